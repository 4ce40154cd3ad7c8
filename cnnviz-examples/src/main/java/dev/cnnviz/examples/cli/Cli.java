package dev.cnnviz.examples.cli;

import dev.cnnviz.api.ModelImportException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code cnnviz} command line: one subcommand per task (see {@code cnnviz --help} for the list).
 *
 * <p>Exit codes: 0 success; 2 usage error (unknown option or method, bad value, option that does not apply),
 * with the problem and a pointer to {@code --help} on stderr; 1 a model, image or computation error, with a
 * one-line message on stderr (the stack trace too with {@code --verbose}), whatever went wrong: an exception, or an
 * error such as {@link OutOfMemoryError} (with what to do about it).
 *
 * <p>In-process use (as the tests do): {@code Cli.execute(out, err, "predict", "--json")}.
 */
@Command(name = "cnnviz", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        sortOptions = false,
        headerHeading = "",
        header = "Visualize and explain convolutional networks.",
        synopsisHeading = "%nUsage: ",
        descriptionHeading = "%n",
        description = {
            "Predictions, saliency maps, Grad-CAM and its family, integrated gradients, SmoothGrad, guided "
                + "backprop and more, for ONNX, Keras (HDF5) and DL4J models on the CPU.",
            "",
            "Without --model every command runs on the embedded Fashion-MNIST CNN and, without --image, on "
                + "its default image (an ankle boot)."},
        commandListHeading = "%nCommands:%n",
        optionListHeading = "%nOptions:%n",
        subcommands = {
            TourCommand.class,
            PredictCommand.class,
            ExplainCommand.class,
            SegmentCommand.class,
            EvaluateCommand.class,
            VisualizeCommand.class,
            InvertCommand.class,
            StylizeCommand.class,
            DreamCommand.class,
            TextureCommand.class,
            SummaryCommand.class,
            FiltersCommand.class,
            ActivationsCommand.class,
            PatchesCommand.class,
            EmbedCommand.class,
            AttackCommand.class,
            UniversalCommand.class,
            RobustnessCommand.class,
            TrainStyleCommand.class,
            BenchCommand.class,
            TrainAdainCommand.class,
            HelpCommand.class},
        footerHeading = "%nExamples:%n",
        footer = {
            "  cnnviz predict",
            "  cnnviz explain --method grad-cam --out gradcam.png",
            "  cnnviz predict --model squeezenet1.1.onnx --labels imagenet-labels.txt \\",
            "      --preprocess caffe-bgr:104,117,123 --image cat.jpg --top 3",
            "  cnnviz explain -m integrated-gradients --steps 32 --model squeezenet1.1.onnx \\",
            "      --preprocess caffe-bgr --input-npy cat-input.npy --target 285 --save-npy ig.npy",
            "  cnnviz bench -m grad-cam --model squeezenet1.1.onnx --preprocess caffe-bgr --image cat.jpg",
            "  cnnviz visualize --objective class:7 --out sneaker.png --panel sneaker-panel.png",
            "  cnnviz visualize --objective channel:concat_fire5/concat_1:17 --model squeezenet1.1.onnx \\",
            "      --preprocess caffe-bgr --steps 256",
            "  cnnviz summary --model squeezenet1.1.onnx",
            "",
            "Exit status: 0 ok, 1 model/image/computation error, 2 usage error.",
            "Run 'cnnviz COMMAND --help' for the options of a command."})
public final class Cli implements Runnable {
    /** Exit code of a model, image or computation error. */
    public static final int EXIT_ERROR = CommandLine.ExitCode.SOFTWARE;
    /** Exit code of a usage error. */
    public static final int EXIT_USAGE = CommandLine.ExitCode.USAGE;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "On errors, print the stack trace; log ND4J at INFO.")
    boolean verbose;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command: give one of "
                + String.join(", ", spec.commandLine().getSubcommands().keySet()));
    }

    /** Runs the CLI and exits with its exit code. */
    public static void main(String[] args) {
        for (String a : args) {
            if (a.equals("--verbose") || a.equals("-v")) {
                System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "info");
            }
        }
        PrintWriter out = new PrintWriter(System.out, true, Charset.defaultCharset());
        PrintWriter err = new PrintWriter(System.err, true, Charset.defaultCharset());
        int code = execute(out, err, args);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /**
     * Runs the CLI in this process.
     *
     * @return the exit code (0, 1 or 2)
     */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cmd = commandLine(out, err);
        int code;
        try {
            code = cmd.execute(args);
        } catch (Throwable t) {
            // picocli hands only Exceptions to the handlers: Errors (OutOfMemoryError, StackOverflowError, a native
            // library that fails to load) and anything thrown by a handler itself come here.
            code = fatal(t, cmd, err, args);
        }
        out.flush();
        err.flush();
        return code;
    }

    /** The last resort: one line saying what happened and what to do, the stack trace only with --verbose. */
    private static int fatal(Throwable t, CommandLine cmd, PrintWriter err, String[] args) {
        String command = "cnnviz";
        ParseResult pr = cmd.getParseResult();
        if (pr != null && pr.subcommand() != null) {
            command = "cnnviz " + pr.subcommand().commandSpec().name();
        }
        boolean verbose = verbose(pr);
        for (String a : args) {
            verbose |= a.equals("--verbose") || a.equals("-v");
        }
        try {
            err.println(command + ": error: " + message(t));
            if (verbose) {
                t.printStackTrace(err);
            } else {
                err.println("(run with --verbose for the stack trace)");
            }
            err.flush();
        } catch (Throwable ignored) {
            // Nothing more can be said: the exit code still tells.
        }
        return EXIT_ERROR;
    }

    /** @return the configured command line writing to {@code out} and {@code err}. */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cmd = new CommandLine(new Cli());
        cmd.setOut(out);
        cmd.setErr(err);
        cmd.setCaseInsensitiveEnumValuesAllowed(true);
        cmd.setUsageHelpAutoWidth(true);
        cmd.setParameterExceptionHandler(Cli::usageError);
        cmd.setExecutionExceptionHandler((ex, commandLine, parseResult) -> failure(ex, commandLine, parseResult));
        return cmd;
    }

    private static int usageError(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println(cmd.getCommandName().equals("cnnviz") ? "cnnviz: " + ex.getMessage()
                : "cnnviz " + cmd.getCommandName() + ": " + ex.getMessage());
        UnmatchedArgumentException.printSuggestions(ex, err);
        err.println("Run '" + qualifiedName(cmd) + " --help' for usage.");
        if (verbose(cmd.getParseResult())) {
            ex.printStackTrace(err);
        }
        err.flush();
        return EXIT_USAGE;
    }

    private static int failure(Exception ex, CommandLine cmd, ParseResult parseResult) {
        PrintWriter err = cmd.getErr();
        err.println("cnnviz " + cmd.getCommandName() + ": error: " + message(ex));
        if (verbose(parseResult)) {
            ex.printStackTrace(err);
        } else {
            err.println("(run with --verbose for the stack trace)");
        }
        err.flush();
        return EXIT_ERROR;
    }

    private static String qualifiedName(CommandLine cmd) {
        List<String> names = new ArrayList<>();
        for (CommandLine c = cmd; c != null; c = c.getParent()) {
            names.add(0, c.getCommandName());
        }
        return String.join(" ", names);
    }

    private static boolean verbose(ParseResult pr) {
        for (ParseResult p = pr; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }

    /**
     * @return a one-line message for an exception: the file for missing files, the cause for wrapped ones, what to
     *         do for running out of memory or stack
     */
    static String message(Throwable ex) {
        for (Throwable c = ex; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof OutOfMemoryError oom) {
                return "out of memory (" + firstLine(oom.getMessage(), "OutOfMemoryError") + "); use a smaller input"
                        + " or --batch, or give Java more memory, e.g. CNNVIZ_JAVA_OPTS=-Xmx8g (the default is -Xmx4g)";
            }
            if (c instanceof StackOverflowError) {
                return "stack overflow (the model graph may be too deep or cyclic); give Java a larger stack, e.g. "
                        + "CNNVIZ_JAVA_OPTS='-Xmx4g -Xss64m'";
            }
            if (c instanceof LinkageError le) {
                return "internal error: " + le.getClass().getSimpleName() + ": "
                        + firstLine(le.getMessage(), "(no message)") + " (a library or the ND4J native backend could"
                        + " not be loaded; check the installation, Java 17 on Linux x86-64)";
            }
        }
        Throwable t = ex;
        if (t instanceof NoSuchFileException nsf) {
            return nsf.getReason() == null ? "no such file: " + nsf.getFile() : nsf.getFile() + ": " + nsf.getReason();
        }
        if (t instanceof FileSystemException fse && fse.getReason() != null) {
            return fse.getFile() + ": " + fse.getReason();
        }
        String m = t.getMessage();
        while ((m == null || m.isBlank()) && t.getCause() != null) {
            t = t.getCause();
            m = t.getMessage();
        }
        if (m == null || m.isBlank()) {
            m = t.getClass().getSimpleName();
        } else if (!(t instanceof ModelImportException || t instanceof java.io.IOException
                || t instanceof IllegalArgumentException || t instanceof IllegalStateException)) {
            m = t.getClass().getSimpleName() + ": " + m;
        }
        return firstLine(m, m);
    }

    private static String firstLine(String m, String orElse) {
        if (m == null || m.isBlank()) {
            return orElse;
        }
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl).stripTrailing() + " ...";
    }

    /** {@code --version}: cnnviz, ND4J and Java versions. */
    public static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {
                "cnnviz " + artifactVersion("dev.cnnviz", "cnnviz-core"),
                "ND4J/DL4J " + artifactVersion("org.nd4j", "nd4j-api") + " (CPU backend)",
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + "), "
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch")};
        }

        private static String artifactVersion(String group, String artifact) {
            String path = "/META-INF/maven/" + group + "/" + artifact + "/pom.properties";
            try (InputStream in = Cli.class.getResourceAsStream(path)) {
                if (in != null) {
                    Properties p = new Properties();
                    p.load(in);
                    return p.getProperty("version", "unknown");
                }
            } catch (java.io.IOException ignored) {
                // fall through
            }
            return "(development build)";
        }
    }
}
