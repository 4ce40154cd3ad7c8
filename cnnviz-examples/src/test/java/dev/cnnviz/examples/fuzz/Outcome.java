package dev.cnnviz.examples.fuzz;

/**
 * What happened to one case.
 *
 * @param status         OK, NONFINITE, THROWN, CLI_ERROR, CLI_USAGE (reported by the worker), CRASH (the worker
 *                       died), HANG (no result within the time limit) or NOT_RUN (the suite's time budget ran out)
 * @param exception      the exception's class name, if any
 * @param documented     whether that type is one the project documents for bad input
 * @param messageLines   how many lines the exception's message has
 * @param message        the message's first line (or, for OK, what was computed; for CRASH, the worker's last words)
 * @param stack          the first frames, one per line
 * @param millis         how long the case took
 */
record Outcome(String status, String exception, boolean documented, int messageLines, String message, String stack,
               long millis) {

    /** @return a short label for the summary: OK, the exception's simple name, or the status. */
    String label() {
        if (status.equals("OK")) {
            return "OK";
        }
        if (exception != null && !exception.isEmpty()) {
            String simple = exception.substring(exception.lastIndexOf('.') + 1);
            return status.startsWith("CLI") ? "cli:" + simple : simple;
        }
        return status;
    }

    /** @return the outcome in one line, for the violation table. */
    String oneLine() {
        String m = message.length() > 160 ? message.substring(0, 160) + "..." : message;
        return status + (exception.isEmpty() ? "" : " " + exception) + (m.isEmpty() ? "" : ": " + m);
    }

    /** @return the first frame of the stack, or empty. */
    String topFrame() {
        for (String l : stack.split("\n")) {
            String s = l.strip();
            if (s.startsWith("at ")) {
                return s.substring(3);
            }
        }
        return "";
    }
}
