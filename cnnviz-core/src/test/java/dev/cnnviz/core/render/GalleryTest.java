package dev.cnnviz.core.render;

import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.api.Colormap;
import dev.cnnviz.api.Map2D;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GalleryTest {

  private static List<String> sources(String html) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("<img src=\"([^\"]+)\"").matcher(html);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  @Test
  void writesPageWithEscapedTextAndExistingImages(@TempDir Path dir) throws IOException {
    BufferedImage a = PanelTest.gradientImage(64, 48);
    BufferedImage b = Panel.of(a).heatmap(PanelTest.gaussianBlob(13, 0.5, 0.5, 0.2, 1), Colormap.JET).render();
    Gallery g = Gallery.create("Demo <gallery> & \"friends\"")
        .add(a, "plain <b>bold?</b> & 'quoted'")
        .add(b, "Grad-CAM", "class 285 \"Egyptian cat\" · p<0.9");
    assertEquals(2, g.size());

    Path html = g.write(dir.resolve("out/report.html"));
    assertTrue(Files.isRegularFile(html));
    String text = Files.readString(html, StandardCharsets.UTF_8);
    assertTrue(text.contains("<title>Demo &lt;gallery&gt; &amp; &quot;friends&quot;</title>"), text);
    assertTrue(text.contains("plain &lt;b&gt;bold?&lt;/b&gt; &amp; &#39;quoted&#39;"), text);
    assertTrue(text.contains("class 285 &quot;Egyptian cat&quot; · p&lt;0.9"), text);
    assertFalse(text.contains("<b>bold?</b>"), "raw markup must not leak");
    assertTrue(text.contains("<h2>Grad-CAM</h2>"));

    List<String> srcs = sources(text);
    assertEquals(2, srcs.size());
    for (String src : srcs) {
      assertFalse(src.startsWith("/") || src.contains(":"), "relative URL: " + src);
      Path img = html.getParent().resolve(src);
      assertTrue(Files.isRegularFile(img), "missing " + img);
      BufferedImage back = ImageIo.read(img);
      assertTrue(back.getWidth() == a.getWidth() || back.getWidth() == b.getWidth());
    }
    assertEquals(a.getRGB(10, 10), ImageIo.read(html.getParent().resolve(srcs.get(0))).getRGB(10, 10));
  }

  @Test
  void embeddedModeIsSelfContained(@TempDir Path dir) throws IOException {
    Path html = Gallery.create("one file").embedImages(true)
        .add(PanelTest.gradientImage(20, 20), "tiny").write(dir.resolve("single.html"));
    String text = Files.readString(html);
    List<String> srcs = sources(text);
    assertEquals(1, srcs.size());
    assertTrue(srcs.get(0).startsWith("data:image/png;base64,"));
    assertFalse(Files.exists(dir.resolve(Gallery.imageFolderName(html))));
    assertTrue(text.contains("class=\"pixelated\""), "20 px image is shown enlarged");
  }

  @Test
  void galleryIsImmutable() {
    Gallery empty = Gallery.create("t");
    Gallery one = empty.add(new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB), "x");
    assertEquals(0, empty.size());
    assertEquals(1, one.size());
    assertEquals("my_report_files", Gallery.imageFolderName(Path.of("a/my report.html")));
    assertEquals("&lt;&amp;&gt;&quot;&#39;", Gallery.escape("<&>\"'"));
  }
}
