package dev.cnnviz.dl4j.onnx;

/**
 * Internal unchecked signal of an import problem; {@link OnnxImporter} turns it into a
 * {@link dev.cnnviz.api.ModelImportException} naming the file.
 */
final class ImportFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ImportFailure(String message) {
        super(message);
    }

    ImportFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
