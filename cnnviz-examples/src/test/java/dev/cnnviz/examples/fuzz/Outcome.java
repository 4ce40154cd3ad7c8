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

    /**
     * @return the first frame of cnnviz's main code in the stack (where a fix would go), else the first frame, or
     *         empty
     */
    String topFrame() {
        String first = "";
        for (String l : stack.split("\n")) {
            String s = l.strip();
            if (!s.startsWith("at ")) {
                if (s.startsWith("Caused by")) {
                    break;
                }
                continue;
            }
            String frame = s.substring(3);
            if (first.isEmpty()) {
                first = frame;
            }
            if (frame.startsWith("dev.cnnviz.") && !frame.startsWith("dev.cnnviz.examples.fuzz.")) {
                return frame;
            }
        }
        return first;
    }
}
