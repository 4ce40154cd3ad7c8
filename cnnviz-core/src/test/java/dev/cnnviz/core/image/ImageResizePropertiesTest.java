package dev.cnnviz.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

class ImageResizePropertiesTest {

    /** A random image: width, height and its pixels. */
    record Img(int w, int h, int[] rgb) {
        BufferedImage image() {
            BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            img.setRGB(0, 0, w, h, rgb, 0, w);
            return img;
        }

        float[] planes() {
            return ImageResize.rgbPlanes(image());
        }
    }

    @Provide
    Arbitrary<Img> images() {
        Arbitrary<Integer> side = Arbitraries.integers().between(1, 24);
        return Combinators.combine(side, side).flatAs((w, h) -> Arbitraries.integers().between(0, 0xFFFFFF)
                .array(int[].class).ofSize(w * h).map(px -> new Img(w, h, px)));
    }

    @Property(tries = 300)
    void resizingToTheSameSizeIsTheIdentity(@ForAll("images") Img img, @ForAll ResizeFilter filter) {
        BufferedImage out = ImageResize.resize(img.image(), img.w(), img.h(), filter);
        int[] got = out.getRGB(0, 0, img.w(), img.h(), null, 0, img.w());
        for (int i = 0; i < got.length; i++) {
            got[i] &= 0xFFFFFF;
        }
        assertArrayEquals(img.rgb(), got);
        float[] planes = img.planes();
        assertArrayEquals(planes, ImageResize.resizePlanes(planes, 3, img.w(), img.h(), img.w(), img.h(), filter));
    }

    @Property(tries = 300)
    void resizingOneAxisLeavesTheOtherAlone(@ForAll("images") Img img, @ForAll ResizeFilter filter,
            @ForAll @IntRange(min = 1, max = 40) int newWidth) {
        // Each row is resampled on its own: a one-row image gives the same row as the same row inside the image.
        float[] all = ImageResize.resizePlanes(img.planes(), 3, img.w(), img.h(), newWidth, img.h(), filter);
        int row = img.h() / 2;
        int[] rowPx = new int[img.w()];
        System.arraycopy(img.rgb(), row * img.w(), rowPx, 0, img.w());
        float[] one = ImageResize.resizePlanes(new Img(img.w(), 1, rowPx).planes(), 3, img.w(), 1, newWidth, 1, filter);
        for (int c = 0; c < 3; c++) {
            for (int x = 0; x < newWidth; x++) {
                assertTrue(one[c * newWidth + x] == all[(c * img.h() + row) * newWidth + x]);
            }
        }
    }

    @Property(tries = 300)
    void valuesStayWithinTheInputRange(@ForAll("images") Img img, @ForAll ResizeFilter filter,
            @ForAll @IntRange(min = 1, max = 40) int w, @ForAll @IntRange(min = 1, max = 40) int h) {
        float[] in = img.planes();
        float[] out = ImageResize.resizePlanes(in, 3, img.w(), img.h(), w, h, filter);
        int n = img.w() * img.h();
        for (int c = 0; c < 3; c++) {
            float lo = Float.MAX_VALUE;
            float hi = -Float.MAX_VALUE;
            for (int i = 0; i < n; i++) {
                lo = Math.min(lo, in[c * n + i]);
                hi = Math.max(hi, in[c * n + i]);
            }
            for (int i = 0; i < w * h; i++) {
                float v = out[c * w * h + i];
                assertTrue(v >= lo - 1e-3f && v <= hi + 1e-3f, v + " outside [" + lo + ", " + hi + "]");
            }
        }
    }

    @Property(tries = 300)
    void bothFiltersAgreeWhenEnlarging(@ForAll("images") Img img, @ForAll @IntRange(min = 0, max = 30) int dw,
            @ForAll @IntRange(min = 0, max = 30) int dh) {
        int w = img.w() + dw;
        int h = img.h() + dh;
        float[] a = ImageResize.resizePlanes(img.planes(), 3, img.w(), img.h(), w, h, ResizeFilter.BILINEAR);
        float[] b = ImageResize.resizePlanes(img.planes(), 3, img.w(), img.h(), w, h, ResizeFilter.BILINEAR_ANTIALIAS);
        assertArrayEquals(a, b, 1e-3f);
    }

    @Property(tries = 300)
    void eightBitAntialiasIsTheFloatResultWithinOneLevel(@ForAll("images") Img img,
            @ForAll @IntRange(min = 1, max = 40) int w, @ForAll @IntRange(min = 1, max = 40) int h) {
        // Pillow's integer arithmetic rounds between the passes: never more than one level from the exact value.
        BufferedImage out = ImageResize.resize(img.image(), w, h, ResizeFilter.BILINEAR_ANTIALIAS);
        float[] exact = ImageResize.resizePlanes(img.planes(), 3, img.w(), img.h(), w, h,
                ResizeFilter.BILINEAR_ANTIALIAS);
        float[] got = ImageResize.rgbPlanes(out);
        for (int i = 0; i < got.length; i++) {
            assertTrue(Math.abs(got[i] - exact[i]) <= 1.01f, "8-bit " + got[i] + " vs exact " + exact[i]);
        }
    }
}
