package dev.cnnviz.core;

import dev.cnnviz.core.image.BoundedRead;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Class-label files: one label per line, in class-index order (line 1 is class 0).
 *
 * <p>Rules: UTF-8 (a leading byte-order mark is ignored); each line is trimmed; trailing empty lines are
 * skipped; an empty line between labels, an empty file, or malformed UTF-8 is an error naming the file (and
 * line). A prefix is stripped only when <em>every</em> line has it, so that labels are never mangled by accident:
 * <ul>
 *   <li>{@code "285: Egyptian cat"}: an index and a colon; when the first index is 0 or 1, the others must count
 *       up by one (otherwise the file is rejected, naming the first line out of order);</li>
 *   <li>{@code "285 Egyptian cat"}: an index and white space, stripped only if the indices count up by one from
 *       0 or 1 (otherwise the lines are kept as they are, since they may be real labels like "7 up");</li>
 *   <li>{@code "n02124075 Egyptian cat"}: a WordNet synset id, as in Caffe's {@code synset_words.txt}.</li>
 * </ul>
 *
 * <pre>{@code
 * List<String> labels = Labels.read(Path.of("models/squeezenet1.1/imagenet-labels.txt"));
 * labels.get(285);   // "Egyptian cat"
 * }</pre>
 */
public final class Labels {
    private static final Pattern COLON = Pattern.compile("(\\d+)\\s*:\\s*(.*)");
    private static final Pattern SPACE = Pattern.compile("(\\d+)\\s+(\\S.*)");
    private static final Pattern SYNSET = Pattern.compile("n\\d{8}\\s+(\\S.*)");
    /** The largest label file read: 16 MiB (ImageNet-21k's labels take about 1 MiB). */
    public static final long MAX_FILE_BYTES = 16L << 20;

    private Labels() {}

    /**
     * Reads a label file (see the class comment for the rules).
     *
     * <pre>{@code
     * List<String> labels = Labels.read(Path.of("imagenet-labels.txt"));
     * Model m = model.withLabels(labels);
     * }</pre>
     *
     * @param file the file
     * @return the labels, an unmodifiable list in class-index order
     * @throws NoSuchFileException if the file does not exist
     * @throws IOException         naming the file if it is not a regular file or is over {@link #MAX_FILE_BYTES}, cannot
     *                             be read, is not UTF-8, is empty, has an empty line
     *                             between labels, or has {@code "index:"} prefixes out of order
     */
    public static List<String> read(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        byte[] bytes = BoundedRead.readFile(file, MAX_FILE_BYTES, "labels");
        return parse(new java.io.ByteArrayInputStream(bytes), file.toString());
    }

    /**
     * Reads a label file from the class path, relative to {@code anchor} like {@link Class#getResource}
     * (a name starting with {@code /} is absolute).
     *
     * <pre>{@code
     * List<String> digits = Labels.readResource(MyModels.class, "mnist-labels.txt");
     * List<String> imagenet = Labels.readResource(MyModels.class, "/labels/imagenet.txt");
     * }</pre>
     *
     * @param anchor the class whose package (and class loader) locates the resource
     * @param name   the resource name
     * @return the labels, an unmodifiable list in class-index order
     * @throws IOException naming the resource if it is missing or breaks the rules of {@link #read(Path)}
     */
    public static List<String> readResource(Class<?> anchor, String name) throws IOException {
        Objects.requireNonNull(anchor, "anchor");
        Objects.requireNonNull(name, "name");
        String where = "resource " + name + " (relative to " + anchor.getName() + ")";
        try (InputStream in = anchor.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("Cannot read labels: " + where + " not found on the class path");
            }
            return parse(in, where);
        }
    }

    private static List<String> parse(InputStream in, String name) throws IOException {
        byte[] bytes = in.readAllBytes();
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer bb = ByteBuffer.wrap(bytes);
        CharBuffer chars = CharBuffer.allocate(bytes.length + 1);
        CoderResult result = decoder.decode(bb, chars, true);
        if (!result.isError()) {
            result = decoder.flush(chars);
        }
        if (result.isError()) {
            int line = 1;
            for (int i = 0; i < bb.position(); i++) {
                line += bytes[i] == '\n' ? 1 : 0;
            }
            throw new IOException("Cannot read labels " + name + ": not valid UTF-8 text (line " + line + ", byte "
                    + bb.position() + ")");
        }
        chars.flip();
        String text = chars.toString();
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        List<String> lines = new ArrayList<>();
        for (String line : text.split("\r\n|\r|\n", -1)) {
            lines.add(line.strip());
        }
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        if (lines.isEmpty()) {
            throw new IOException("Cannot read labels " + name + ": the file is empty (expected one label per line)");
        }
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isEmpty()) {
                throw new IOException("Cannot read labels " + name + ": line " + (i + 1)
                        + " is empty (every line up to the last label must hold one label)");
            }
        }
        return List.copyOf(stripPrefixes(lines, name));
    }

    private static List<String> stripPrefixes(List<String> lines, String name) throws IOException {
        List<String> colon = indexed(lines, COLON, name, true);
        if (colon != null) {
            return colon;
        }
        List<String> space = indexed(lines, SPACE, name, false);
        if (space != null) {
            return space;
        }
        List<String> out = new ArrayList<>(lines.size());
        for (String line : lines) {
            Matcher m = SYNSET.matcher(line);
            if (!m.matches()) {
                return lines;
            }
            out.add(m.group(1).strip());
        }
        return out;
    }

    /**
     * The labels without their {@code pattern} prefix if every line has it and the indices count up by one from
     * 0 or 1; null if some line lacks it or the first index is not 0 or 1; for indices out of order after that, an
     * error if {@code strict}, else null.
     */
    private static List<String> indexed(List<String> lines, Pattern pattern, String name, boolean strict)
            throws IOException {
        List<String> out = new ArrayList<>(lines.size());
        long first = -1;
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = pattern.matcher(lines.get(i));
            if (!m.matches()) {
                return null;
            }
            long index;
            try {
                index = Long.parseLong(m.group(1));
            } catch (NumberFormatException e) {
                index = -1;
            }
            if (i == 0) {
                first = index;
            }
            if (first != 0 && first != 1) {
                return null; // does not start like an index: keep the lines as they are
            }
            if (index != first + i) {
                if (!strict) {
                    return null;
                }
                throw new IOException("Cannot read labels " + name + ": line " + (i + 1) + " has index " + m.group(1)
                        + " but the \"index: label\" lines must count up by one (expected " + (first + i) + ")");
            }
            String label = m.group(2).strip();
            if (label.isEmpty()) {
                throw new IOException("Cannot read labels " + name + ": line " + (i + 1) + " has an index but no label");
            }
            out.add(label);
        }
        return out;
    }
}
