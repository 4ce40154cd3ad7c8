package dev.cnnviz.api;

import java.nio.file.Path;

/**
 * A model file could not be read or translated: it is missing, truncated, corrupt, of an unknown kind, or
 * uses an operator cnnviz does not support. The message names the file and, where known, the node and the
 * operator.
 */
public class ModelImportException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Creates an exception whose message starts with the file's name. */
    public ModelImportException(Path file, String message) {
        super(file + ": " + message);
    }

    /** Creates an exception whose message starts with the file's name, keeping the cause. */
    public ModelImportException(Path file, String message, Throwable cause) {
        super(file + ": " + message, cause);
    }
}
