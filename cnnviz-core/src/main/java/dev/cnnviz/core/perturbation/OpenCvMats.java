package dev.cnnviz.core.perturbation;

import java.awt.image.BufferedImage;
import org.bytedeco.javacpp.indexer.FloatIndexer;
import org.bytedeco.javacpp.indexer.IntIndexer;
import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Conversions between Java images and arrays and OpenCV {@link Mat}s (JavaCPP's OpenCV 4.5.5 preset), for the
 * superpixels of {@link Features} and GrabCut in {@link dev.cnnviz.core.segmentation}. The caller closes every Mat
 * returned.
 *
 * <pre>{@code
 * try (Mat bgr = OpenCvMats.bgr(image)) { ... }
 * }</pre>
 */
public final class OpenCvMats {
    private OpenCvMats() {
    }

    /** @return the image as an 8-bit, 3-channel BGR Mat of its size (grey images give three equal channels) */
    public static Mat bgr(BufferedImage image) {
        int h = image.getHeight();
        int w = image.getWidth();
        Mat m = new Mat(h, w, opencv_core.CV_8UC3);
        try (UByteIndexer idx = m.createIndexer()) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int rgb = image.getRGB(x, y);
                    idx.put(y, x, 0, rgb & 0xff);
                    idx.put(y, x, 1, (rgb >> 8) & 0xff);
                    idx.put(y, x, 2, (rgb >> 16) & 0xff);
                }
            }
        }
        return m;
    }

    /** @return a one-channel float Mat of {@code h × w} values, row-major */
    public static Mat floats(float[] values, int h, int w) {
        Mat m = new Mat(h, w, opencv_core.CV_32FC1);
        try (FloatIndexer idx = m.createIndexer()) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    idx.put(y, x, values[y * w + x]);
                }
            }
        }
        return m;
    }

    /** @return the values of a one-channel float Mat, row-major */
    public static float[] floats(Mat m) {
        int h = m.rows();
        int w = m.cols();
        float[] out = new float[h * w];
        try (FloatIndexer idx = m.createIndexer()) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    out[y * w + x] = idx.get(y, x);
                }
            }
        }
        return out;
    }

    /** @return the values of a one-channel 32-bit integer Mat, row-major */
    public static int[] ints(Mat m) {
        int h = m.rows();
        int w = m.cols();
        int[] out = new int[h * w];
        try (IntIndexer idx = m.createIndexer()) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    out[y * w + x] = idx.get(y, x);
                }
            }
        }
        return out;
    }

    /** @return the values of a one-channel 8-bit Mat, row-major */
    public static int[] bytes(Mat m) {
        int h = m.rows();
        int w = m.cols();
        int[] out = new int[h * w];
        try (UByteIndexer idx = m.createIndexer()) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    out[y * w + x] = idx.get(y, x);
                }
            }
        }
        return out;
    }

    /** @return a one-channel 8-bit Mat of {@code h × w} values (0..255), row-major */
    public static Mat bytes(int[] values, int h, int w) {
        Mat m = new Mat(h, w, opencv_core.CV_8UC1);
        try (UByteIndexer idx = m.createIndexer()) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    idx.put(y, x, values[y * w + x]);
                }
            }
        }
        return m;
    }
}
