package dev.cnnviz.examples.fuzz;

import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.api.NonFiniteResultException;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.attribution.Saliency;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.image.ImageTensors;
import dev.cnnviz.dl4j.Models;
import dev.cnnviz.examples.DefaultModel;
import dev.cnnviz.examples.cli.Cli;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The fuzz suite's worker process: started by the test in its own JVM (small heap, small memory budget), it
 * reads cases from standard input, one per line ({@code id TAB kind TAB file [TAB cli-arg]...}), runs each and
 * writes one result line per case to standard output:
 * {@code @@RESULT TAB id TAB status TAB exception-class TAB documented TAB message-lines TAB first-line TAB stack TAB exit}
 * (fields escaped by {@link #escape}). Status is {@code OK}, {@code NONFINITE}, {@code THROWN}, {@code CLI_ERROR}
 * or {@code CLI_USAGE}; {@code exit} is {@code true} when the worker ends itself after the case (after an
 * {@link Error}, whose aftermath it does not trust). A crash or hang is seen by the test, not reported here.
 */
public final class FuzzWorker {
    /** The prefix of result lines (native code may print to standard output too). */
    static final String RESULT = "@@RESULT\t";
    /** Printed once the worker has loaded ND4J and the embedded model. */
    static final String READY = "@@READY";

    private FuzzWorker() {
    }

    /** Runs cases from standard input until it closes. */
    public static void main(String[] args) throws IOException {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
        Nd4j.create(DataType.FLOAT, 1).addi(1);
        DefaultModel.load();
        out.println(READY);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split("\t", -1);
            String id = f[0];
            FuzzCase.Kind kind = FuzzCase.Kind.valueOf(f[1]);
            Path file = Path.of(f[2]);
            List<String> cli = Arrays.asList(f).subList(3, f.length);
            String result;
            boolean exit = false;
            try {
                result = run(kind, file, cli);
            } catch (Throwable t) {
                exit = t instanceof Error;
                result = thrown("THROWN", t.getClass().getName(), documented(t), t.getMessage(), stack(t));
            }
            out.println(RESULT + id + "\t" + result + "\t" + exit);
            out.flush();
            if (exit) {
                System.exit(3);
            }
        }
    }

    private static String run(FuzzCase.Kind kind, Path file, List<String> cli) throws Exception {
        switch (kind) {
            case MODEL -> {
                Model m = Models.load(file);
                long[] shape = m.inputSpec().batchShape(1);
                Nd4j.getRandom().setSeed(42);
                INDArray x = Nd4j.rand(DataType.FLOAT, shape);
                // Through the public result API, forward and backward: the explanation's score and attribution must
                // be finite, or a NonFiniteResultException must say why.
                Explanation e = Saliency.of(m).explain(x, Target.topClass());
                float[] a = e.attribution().data();
                for (int k = 0; k < a.length; k++) {
                    if (!Float.isFinite(a[k])) {
                        return thrown("NONFINITE", "", true, "saliency attribution: value " + k + " is " + a[k], "");
                    }
                }
                if (!Double.isFinite(e.target().score())) {
                    return thrown("NONFINITE", "", true, "saliency target score is " + e.target().score(), "");
                }
                return ok("class " + e.target().classIndex() + ", score " + e.target().score());
            }
            case IMAGE -> {
                BufferedImage img = ImageIo.read(file);
                INDArray b = ImageTensors.toBatch(List.of(img), DefaultModel.load().inputSpec());
                return finite(b, img.getWidth() + "x" + img.getHeight() + " image as batch");
            }
            case NPY -> {
                INDArray a = ImageTensors.readNpy(file);
                return ok("array " + a.dataType() + " " + Arrays.toString(a.shape()));
            }
            case CLI -> {
                return cli(cli);
            }
            case SELF_CRASH -> {
                java.lang.reflect.Field f = Class.forName("sun.misc.Unsafe").getDeclaredField("theUnsafe");
                f.setAccessible(true);
                ((sun.misc.Unsafe) f.get(null)).putAddress(0, 0);
                return ok("still alive after writing to address 0");
            }
            case SELF_HANG -> {
                Thread.sleep(Long.MAX_VALUE);
                return ok("woke up");
            }
            default -> throw new IllegalStateException("unknown kind " + kind);
        }
    }

    private static String finite(INDArray a, String what) {
        if (a == null || a.length() == 0) {
            return thrown("NONFINITE", "", true, what + ": no values", "");
        }
        double[] v = a.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        for (int k = 0; k < v.length; k++) {
            if (!Double.isFinite(v[k])) {
                return thrown("NONFINITE", "", true, what + " " + Arrays.toString(a.shape()) + ": value " + k + " is " + v[k], "");
            }
        }
        return ok(what + " " + Arrays.toString(a.shape()) + " finite");
    }

    private static String cli(List<String> args) {
        List<String> all = new ArrayList<>(args);
        all.add("--verbose");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Cli.execute(new PrintWriter(out), new PrintWriter(err), all.toArray(String[]::new));
        String[] lines = err.toString().split("\n");
        if (code == 0) {
            String o = out.toString();
            if (o.contains("NaN") || o.contains("Infinity")) {
                return thrown("NONFINITE", "", true, "exit 0 but the output shows " + (o.contains("NaN") ? "NaN" : "Infinity")
                        + ": " + o.strip().replace('\n', '|'), "");
            }
            return ok("exit 0");
        }
        String first = lines.length > 0 ? lines[0] : "";
        int at = first.indexOf(": error: ");
        String message = at >= 0 ? first.substring(at + ": error: ".length()) : first;
        if (code == Cli.EXIT_USAGE) {
            return thrown("CLI_USAGE", "picocli.CommandLine$ParameterException", true, message, "");
        }
        // With --verbose the failure handler prints the exception's stack trace after the error line.
        String cls = "";
        int messageLines = 0;
        StringBuilder stack = new StringBuilder();
        for (int k = 1; k < lines.length; k++) {
            String l = lines[k];
            if (cls.isEmpty() && !l.startsWith("\t") && !l.startsWith("(")) {
                int colon = l.indexOf(':');
                cls = (colon < 0 ? l : l.substring(0, colon)).strip();
                messageLines = 1;
            } else if (!cls.isEmpty() && !l.startsWith("\tat ") && stack.length() == 0) {
                messageLines++;
            }
            if (l.startsWith("\tat ") && stack.length() < 1200 || l.startsWith("Caused by")) {
                stack.append(l.strip()).append('\n');
            }
        }
        boolean documented = false;
        try {
            documented = documented(Class.forName(cls, false, FuzzWorker.class.getClassLoader()));
        } catch (ClassNotFoundException | LinkageError e) {
            documented = false;
        }
        String msg = code == Cli.EXIT_ERROR ? message : "exit " + code + ": " + message;
        return thrown("CLI_ERROR", cls, documented && code == Cli.EXIT_ERROR, msg, stack.toString(), Math.max(1, messageLines));
    }

    /** @return whether the exception is of a type the project documents for bad input. */
    static boolean documented(Throwable t) {
        return documented(t.getClass());
    }

    private static boolean documented(Class<?> c) {
        return ModelImportException.class.isAssignableFrom(c) || IOException.class.isAssignableFrom(c)
                || IllegalArgumentException.class.isAssignableFrom(c)          // ResourceLimitException included
                || NonFiniteResultException.class.isAssignableFrom(c);
    }

    private static String ok(String detail) {
        return thrown("OK", "", true, detail, "");
    }

    private static String thrown(String status, String cls, boolean documented, String message, String stack) {
        int lines = message == null ? 0 : (int) message.strip().lines().count();
        return thrown(status, cls, documented, message, stack, lines);
    }

    private static String thrown(String status, String cls, boolean documented, String message, String stack, int lines) {
        String m = message == null ? "" : message;
        int nl = m.indexOf('\n');
        String first = nl < 0 ? m : m.substring(0, nl);
        return status + "\t" + cls + "\t" + documented + "\t" + lines + "\t" + escape(first) + "\t" + escape(stack);
    }

    /** The first frames of an exception and of its root cause. */
    static String stack(Throwable t) {
        StringBuilder b = new StringBuilder();
        StackTraceElement[] st = t.getStackTrace();
        for (int k = 0; k < Math.min(16, st.length); k++) {
            b.append("at ").append(st[k]).append('\n');
        }
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != t) {
            b.append("Caused by ").append(root.getClass().getName()).append(": ").append(firstLine(root.getMessage())).append('\n');
            StackTraceElement[] rs = root.getStackTrace();
            for (int k = 0; k < Math.min(6, rs.length); k++) {
                b.append("at ").append(rs[k]).append('\n');
            }
        }
        return b.toString();
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** Escapes backslashes, tabs and line ends so that a field fits on one line. */
    static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r");
    }

    /** Reverses {@link #escape}. */
    static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            if (c == '\\' && k + 1 < s.length()) {
                char n = s.charAt(++k);
                b.append(switch (n) {
                    case 't' -> '\t';
                    case 'n' -> '\n';
                    case 'r' -> '\r';
                    default -> n;
                });
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
