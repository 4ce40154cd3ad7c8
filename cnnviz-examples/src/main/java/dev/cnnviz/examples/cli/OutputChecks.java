package dev.cnnviz.examples.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * Checks of the files a command writes, before anything is computed: an output must not be one of the command's
 * inputs (it would be destroyed: {@code explain --image cat.png --out cat.png}), nor another output, and its name
 * must say the format written ({@code .png} panels, {@code .npy} arrays). Each failure is a usage error
 * ({@link ParameterException}) naming both options and files.
 *
 * <pre>{@code
 * OutputChecks checks = new OutputChecks(cmd).input("--image", image).input("--model", model);
 * checks.output("--out", Path.of("grad-cam.png"), ".png");
 * }</pre>
 */
public final class OutputChecks {
    private final CommandLine cmd;
    private final Map<String, Path> inputs = new LinkedHashMap<>();
    private final Map<String, Path> outputs = new LinkedHashMap<>();

    /**
     * Starts the checks of one command.
     *
     * @param cmd the command, for usage errors
     */
    public OutputChecks(CommandLine cmd) {
        this.cmd = cmd;
    }

    /**
     * Records an input file.
     *
     * @param option the option that gave it, e.g. {@code --image}
     * @param file   the file, or null if the option was not given (then nothing is recorded)
     * @return this
     */
    public OutputChecks input(String option, Path file) {
        if (file != null) {
            inputs.put(option, file);
        }
        return this;
    }

    /**
     * Checks an output file against the inputs and the outputs checked before, and its name against the format
     * written; then records it as an output.
     *
     * @param option    the option that gave it, e.g. {@code --out} (or a description of a default name)
     * @param file      the file to be written, or null if the option was not given (nothing is checked)
     * @param extension the extension the name must end in, lower case with its dot, e.g. {@code .png}
     * @return this
     * @throws ParameterException naming both options if the file is one of the inputs or outputs, or naming the
     *                            option and the expected extension if the name ends otherwise
     */
    public OutputChecks output(String option, Path file, String extension) {
        if (file == null) {
            return this;
        }
        for (Map.Entry<String, Path> in : inputs.entrySet()) {
            if (sameFile(file, in.getValue())) {
                throw new ParameterException(cmd, option + " " + file + " is the same file as " + in.getKey() + " "
                        + in.getValue() + ": writing it would destroy the input; choose another " + option);
            }
        }
        for (Map.Entry<String, Path> out : outputs.entrySet()) {
            if (sameFile(file, out.getValue())) {
                throw new ParameterException(cmd, option + " " + file + " is the same file as " + out.getKey() + " "
                        + out.getValue() + ": give them different names");
            }
        }
        Path name = file.getFileName();
        String n = name == null ? "" : name.toString().toLowerCase(Locale.ROOT);
        if (!n.endsWith(extension) || n.length() == extension.length()) {
            throw new ParameterException(cmd, option + " must end in " + extension + " (" + formatOf(extension)
                    + " is written), found " + file);
        }
        outputs.put(option, file);
        return this;
    }

    private static String formatOf(String extension) {
        return extension.equals(".png") ? "PNG" : extension.equals(".npy") ? "numpy .npy" : extension;
    }

    /**
     * Whether two paths name the same file: {@link Files#isSameFile} when both exist (symbolic and hard links
     * included), else their normalized absolute paths.
     *
     * @param a a path
     * @param b another path
     * @return whether writing {@code a} would write {@code b}
     */
    public static boolean sameFile(Path a, Path b) {
        if (Files.exists(a) && Files.exists(b)) {
            try {
                return Files.isSameFile(a, b);
            } catch (IOException e) {
                // Unreadable attributes: compare the names below.
            }
        }
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }
}
