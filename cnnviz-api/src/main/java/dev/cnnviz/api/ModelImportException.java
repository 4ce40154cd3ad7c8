package dev.cnnviz.api;

import java.nio.file.Path;

/**
 * A model file could not be read or translated: it is missing, truncated, corrupt, of an unknown kind, or
 * uses an operator cnnviz does not support. The message names the file and, where known, the node and the
 * operator. It is one line, at most {@value #MAX_MESSAGE_CHARS} characters: text from other libraries (a JSON
 * parser's excerpt of the file, say) is folded onto it and cut, since messages end up in logs and in answers to
 * the users of services that embed cnnviz.
 */
public class ModelImportException extends Exception {
    private static final long serialVersionUID = 1L;

    /** The longest message kept; longer ones are cut with an ellipsis. */
    public static final int MAX_MESSAGE_CHARS = 1000;

    /** Creates an exception whose message starts with the file's name. */
    public ModelImportException(Path file, String message) {
        super(oneLine(file + ": " + message));
    }

    /** Creates an exception whose message starts with the file's name, keeping the cause. */
    public ModelImportException(Path file, String message, Throwable cause) {
        super(oneLine(file + ": " + message), cause);
    }

    /** Folds line breaks (and the indentation after them) into single spaces and cuts at the length limit. */
    static String oneLine(String s) {
        String folded = s.replaceAll("\\s*[\\r\\n]+\\s*", " ");
        return folded.length() <= MAX_MESSAGE_CHARS ? folded : folded.substring(0, MAX_MESSAGE_CHARS - 3) + "...";
    }
}
