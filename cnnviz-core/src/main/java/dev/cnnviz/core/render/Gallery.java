package dev.cnnviz.core.render;

import dev.cnnviz.core.image.ImageIo;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.imageio.ImageIO;

/**
 * A single HTML page showing a responsive grid of titled images with captions — a quick way to browse many
 * explanations in a browser. Immutable: {@link #add} returns a new gallery.
 *
 * <p><b>Files.</b> By default {@link #write(Path)} writes each image as a PNG into a folder next to the page, named
 * after it: {@code report.html} gets {@code report_files/image-001.png}, ... referenced by relative URLs, so the page
 * and its folder can be moved together. With {@link #embedImages(boolean) embedImages(true)} the PNGs are inlined as
 * base64 {@code data:} URIs and the page is one self-contained file. All text (page title, image titles, captions) is
 * HTML-escaped ({@code & < > " '}); newlines in captions are kept. Images narrower than 160 px (e.g. 28×28 digits) are
 * displayed enlarged with {@code image-rendering: pixelated}.
 *
 * <pre>{@code
 * Gallery.create("Grad-CAM on ImageNet samples").add(catPanel, "class 285 Egyptian cat")
 *     .add(dogPanel, "Saliency", "class 207 golden retriever").write(Path.of("target/gallery.html"));
 * }</pre>
 */
public final class Gallery {
  /** Images narrower than this are displayed enlarged (pixelated) in the page. */
  static final int SMALL_IMAGE = 160;

  private final String title;
  private final List<Entry> entries;
  private final boolean embed;

  private record Entry(BufferedImage image, String title, String caption) {}

  private Gallery(String title, List<Entry> entries, boolean embed) {
    this.title = title;
    this.entries = entries;
    this.embed = embed;
  }

  /**
   * An empty gallery with a page title (shown as the heading and the browser tab title). Images are written as files
   * by default.
   *
   * <pre>{@code
   * Gallery g = Gallery.create("MNIST saliency");
   * g.size();   // 0
   * }</pre>
   *
   * @param title the page title; null is treated as empty
   * @return the gallery
   */
  public static Gallery create(String title) {
    return new Gallery(title == null ? "" : title, List.of(), false);
  }

  /**
   * Adds an image with a caption and no title. The image is copied.
   *
   * <pre>{@code
   * Gallery g = Gallery.create("demo").add(panel, "Grad-CAM · class 285 · p=0.762");
   * g.size();   // 1
   * }</pre>
   *
   * @param image   the image
   * @param caption text under the image; null is treated as empty
   * @return a new gallery with the image appended
   */
  public Gallery add(BufferedImage image, String caption) {
    return add(image, null, caption);
  }

  /**
   * Adds an image with a title (above it) and a caption (below it). The image is copied.
   *
   * <pre>{@code
   * Gallery g = Gallery.create("demo").add(panel, "Egyptian cat", "Grad-CAM at fire9_concat");
   * g.write(Path.of("target/demo.html"));
   * }</pre>
   *
   * @param image   the image
   * @param title   heading of the tile; null or empty for none
   * @param caption text under the image; null is treated as empty
   * @return a new gallery with the image appended
   */
  public Gallery add(BufferedImage image, String title, String caption) {
    Objects.requireNonNull(image, "image");
    BufferedImage copy = Images.fromArgb(Images.argb(image), image.getWidth(), image.getHeight(),
        Images.hasAlpha(image));
    List<Entry> next = new ArrayList<>(entries);
    next.add(new Entry(copy, title == null ? "" : title, caption == null ? "" : caption));
    return new Gallery(this.title, List.copyOf(next), embed);
  }

  /**
   * Chooses between PNG files next to the page ({@code false}, the default) and base64 {@code data:} URIs inside it
   * ({@code true}).
   *
   * <pre>{@code
   * Gallery.create("one file").embedImages(true).add(panel, "cat").write(Path.of("report.html"));
   * // report.html is self-contained; no report_files/ folder is written
   * }</pre>
   *
   * @param embed whether to inline the images
   * @return a new gallery
   */
  public Gallery embedImages(boolean embed) {
    return new Gallery(title, entries, embed);
  }

  /**
   * The number of images.
   *
   * <pre>{@code
   * Gallery.create("t").add(a, "a").add(b, "b").size();   // 2
   * Gallery.create("t").size();                          // 0
   * }</pre>
   *
   * @return how many images were added
   */
  public int size() {
    return entries.size();
  }

  /**
   * The folder name used for image files next to {@code htmlFile}: the file name without its extension, characters
   * other than {@code [A-Za-z0-9._-]} replaced by {@code _}, plus {@code _files}.
   *
   * <pre>{@code
   * Gallery.imageFolderName(Path.of("out/my report.html"));   // "my_report_files"
   * Gallery.imageFolderName(Path.of("index.html"));           // "index_files"
   * }</pre>
   *
   * @param htmlFile the page
   * @return the folder name (not a path)
   */
  public static String imageFolderName(Path htmlFile) {
    String name = htmlFile.getFileName().toString();
    int dot = name.lastIndexOf('.');
    String stem = dot > 0 ? name.substring(0, dot) : name;
    return stem.replaceAll("[^A-Za-z0-9._-]", "_") + "_files";
  }

  /**
   * Writes the page (UTF-8) and, unless images are embedded, the PNG files into {@link #imageFolderName(Path)} next
   * to it, creating directories as needed and replacing earlier output. Earlier {@code image-NNN.png} files in that
   * folder are removed first so that the folder matches the page.
   *
   * <pre>{@code
   * Path html = Gallery.create("demo").add(panel, "cat").write(Path.of("target/demo.html"));
   * // target/demo.html and target/demo_files/image-001.png
   * }</pre>
   *
   * @param htmlFile the page to write
   * @return {@code htmlFile}
   * @throws IOException naming the file that could not be written
   */
  public Path write(Path htmlFile) throws IOException {
    Objects.requireNonNull(htmlFile, "htmlFile");
    Path abs = htmlFile.toAbsolutePath();
    Path parent = abs.getParent();
    try {
      Files.createDirectories(parent);
    } catch (IOException e) {
      throw new IOException("Cannot create directory " + parent + " for gallery " + htmlFile + ": " + e, e);
    }
    String folder = imageFolderName(htmlFile);
    Path dir = parent.resolve(folder);
    if (!embed && !entries.isEmpty()) {
      cleanOldImages(dir);
    }

    int maxDisplay = 0;
    List<String> figures = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      Entry e = entries.get(i);
      int w = e.image().getWidth();
      int h = e.image().getHeight();
      int k = w < SMALL_IMAGE ? (SMALL_IMAGE + w - 1) / w : 1;
      maxDisplay = Math.max(maxDisplay, w * k);
      String src;
      if (embed) {
        src = "data:image/png;base64," + Base64.getEncoder().encodeToString(png(e.image()));
      } else {
        String name = String.format(Locale.ROOT, "image-%03d.png", i + 1);
        ImageIo.writePng(e.image(), dir.resolve(name));
        src = folder + "/" + name;
      }
      StringBuilder f = new StringBuilder();
      f.append("  <figure>\n");
      if (!e.title().isEmpty()) {
        f.append("    <h2>").append(escape(e.title())).append("</h2>\n");
      }
      String alt = !e.title().isEmpty() ? e.title() : e.caption();
      f.append("    <img src=\"").append(escape(src)).append("\" alt=\"").append(escape(alt)).append("\" width=\"")
          .append(w * k).append("\" height=\"").append(h * k).append('"')
          .append(k > 1 ? " class=\"pixelated\"" : "").append(">\n");
      if (!e.caption().isEmpty()) {
        f.append("    <figcaption>").append(escape(e.caption())).append("</figcaption>\n");
      }
      f.append("  </figure>\n");
      figures.add(f.toString());
    }
    int column = Math.max(200, Math.min(maxDisplay == 0 ? 320 : maxDisplay + 22, 940));

    StringBuilder html = new StringBuilder();
    html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<title>").append(escape(title)).append("</title>\n")
        .append("<style>\n")
        .append("body{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,Helvetica,Arial,sans-serif;")
        .append("margin:24px;background:#f6f6f6;color:#222}\n")
        .append("h1{font-size:22px;font-weight:600;margin:0 0 18px}\n")
        .append(".grid{display:grid;gap:16px;grid-template-columns:repeat(auto-fill,minmax(min(100%,")
        .append(column).append("px),1fr))}\n")
        .append("figure{margin:0;background:#fff;border:1px solid #e2e2e2;border-radius:6px;padding:10px}\n")
        .append("figure h2{font-size:14px;font-weight:600;margin:0 0 8px}\n")
        .append("figure img{display:block;max-width:100%;height:auto;margin:0 auto}\n")
        .append("img.pixelated{image-rendering:pixelated}\n")
        .append("figcaption{font-size:13px;line-height:1.4;color:#444;margin-top:8px;white-space:pre-wrap}\n")
        .append("</style>\n</head>\n<body>\n")
        .append("<h1>").append(escape(title)).append("</h1>\n")
        .append("<div class=\"grid\">\n");
    figures.forEach(html::append);
    html.append("</div>\n</body>\n</html>\n");
    try {
      Files.writeString(htmlFile, html.toString(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IOException("Cannot write gallery " + htmlFile + ": " + e, e);
    }
    return htmlFile;
  }

  /**
   * Escapes text for HTML element content and attribute values: {@code & < > " '} become entities.
   *
   * <pre>{@code
   * Gallery.escape("p<0.5 & \"cat\"");   // "p&lt;0.5 &amp; &quot;cat&quot;"
   * Gallery.escape("it's");              // "it&#39;s"
   * }</pre>
   *
   * @param text the text, not null
   * @return the escaped text
   */
  public static String escape(String text) {
    StringBuilder sb = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> sb.append("&amp;");
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&#39;");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }

  private static byte[] png(BufferedImage image) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    if (!ImageIO.write(image, "png", bytes)) {
      throw new IOException("no PNG writer accepts image type " + image.getType());
    }
    return bytes.toByteArray();
  }

  private static void cleanOldImages(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (DirectoryStream<Path> old = Files.newDirectoryStream(dir, "image-[0-9][0-9][0-9]*.png")) {
      for (Path p : old) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new IOException("Cannot clean old images in " + dir + ": " + e, e);
    }
  }
}
