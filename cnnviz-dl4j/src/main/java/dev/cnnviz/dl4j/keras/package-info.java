/**
 * Keras HDF5 models as cnnviz {@link dev.cnnviz.core.Model}s: {@link dev.cnnviz.dl4j.keras.KerasImporter} imports
 * through DL4J's Keras importer and {@link dev.cnnviz.dl4j.dl4j.Dl4jTranslator}, falling back to cnnviz's own
 * reader of the Keras config and weights for models DL4J rejects. Files are checked in Java before the native
 * HDF5 library reads them.
 */
package dev.cnnviz.dl4j.keras;
