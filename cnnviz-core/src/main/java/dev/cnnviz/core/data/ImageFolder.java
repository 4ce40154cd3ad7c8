package dev.cnnviz.core.data;

import dev.cnnviz.core.image.ImageIo;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The images of a folder and its sub-folders, in the order of their relative paths ({@code /}-separated, compared
 * as strings, so a flat folder is in file-name order). An image in a sub-folder is labelled by its top-level
 * sub-folder ({@code cats/a.jpg}, {@code cats/more/b.jpg}: class {@code cats}); the classes are the top-level
 * sub-folders holding images, sorted by name; images directly in the folder have {@link Batch#NO_LABEL}. Ids are
 * the relative paths.
 *
 * <p>Files whose names end in {@code .png}, {@code .jpg}, {@code .jpeg}, {@code .bmp} or {@code .gif}
 * (any case) are taken; hidden files and folders (names starting with {@code .}) are skipped, and symbolic links
 * to folders are not followed. Images are decoded when a batch is read, with {@link ImageIo#read(Path)}'s checks
 * and limits.
 *
 * <pre>{@code
 * ImageFolder photos = ImageFolder.of(Path.of("photos"));
 * photos.classes();                // [cats, dogs]
 * Batch b = photos.read(0, 32);    // b.id(0) = "cats/001.jpg", b.label(0) = 0
 * }</pre>
 */
public final class ImageFolder implements Dataset {
    /** The file extensions taken, lower case. */
    public static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif");

    private final Path root;
    private final List<String> paths;
    private final int[] labels;
    private final List<String> classes;

    private ImageFolder(Path root, List<String> paths, int[] labels, List<String> classes) {
        this.root = root;
        this.paths = paths;
        this.labels = labels;
        this.classes = classes;
    }

    /**
     * Lists the images of a folder, recursively.
     *
     * @param dir the folder
     * @return the dataset
     * @throws NoSuchFileException if {@code dir} does not exist
     * @throws IOException         naming the folder if it is not a folder, cannot be listed, or holds no images
     */
    public static ImageFolder of(Path dir) throws IOException {
        Objects.requireNonNull(dir, "dir");
        if (!Files.exists(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "image folder not found");
        }
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + ": not a folder (an image folder was expected)");
        }
        List<String> found = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.forEach(p -> {
                Path rel = dir.relativize(p);
                if (rel.toString().isEmpty() || hidden(rel) || !Files.isRegularFile(p) || !image(p)) {
                    return;
                }
                StringBuilder sb = new StringBuilder();
                for (Path part : rel) {
                    sb.append(sb.length() == 0 ? "" : "/").append(part);
                }
                found.add(sb.toString());
            });
        } catch (UncheckedIOException e) {
            throw new IOException(dir + ": cannot list the folder: " + e.getCause().getMessage(), e.getCause());
        }
        if (found.isEmpty()) {
            throw new IOException(dir + ": no images in the folder or its sub-folders (looked for files ending in "
                    + new TreeSet<>(EXTENSIONS) + ")");
        }
        found.sort(null);
        TreeSet<String> names = new TreeSet<>();
        for (String p : found) {
            int slash = p.indexOf('/');
            if (slash > 0) {
                names.add(p.substring(0, slash));
            }
        }
        List<String> classes = List.copyOf(names);
        int[] labels = new int[found.size()];
        for (int i = 0; i < labels.length; i++) {
            String p = found.get(i);
            int slash = p.indexOf('/');
            labels[i] = slash > 0 ? classes.indexOf(p.substring(0, slash)) : Batch.NO_LABEL;
        }
        return new ImageFolder(dir, List.copyOf(found), labels, classes);
    }

    private static boolean hidden(Path rel) {
        for (Path part : rel) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    private static boolean image(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /** @return the folder */
    public Path root() {
        return root;
    }

    /** @return the images' paths relative to the folder, {@code /}-separated, in dataset order */
    public List<String> paths() {
        return paths;
    }

    @Override
    public String name() {
        return root.toString();
    }

    @Override
    public int size() {
        return paths.size();
    }

    @Override
    public List<String> classes() {
        return classes;
    }

    @Override
    public Batch read(int from, int to) throws IOException {
        Batches.checkRange(from, to, paths.size(), name());
        int n = to - from;
        int[] idx = new int[n];
        int[] lab = new int[n];
        List<BufferedImage> images = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            idx[i] = from + i;
            lab[i] = labels[from + i];
            images.add(ImageIo.read(root.resolve(paths.get(from + i))));
        }
        return Batch.ofImages(idx, paths.subList(from, to), lab, images);
    }
}
