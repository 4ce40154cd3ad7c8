/**
 * Inverting representations: {@link dev.cnnviz.core.inversion.FeatureInversion} reconstructs an image from its code
 * at a layer (Mahendran &amp; Vedaldi 2015), and {@link dev.cnnviz.core.inversion.InversionPanel} shows the
 * reconstructions of one image from successively deeper layers side by side.
 */
package dev.cnnviz.core.inversion;
