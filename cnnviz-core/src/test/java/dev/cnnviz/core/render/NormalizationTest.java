package dev.cnnviz.core.render;

import dev.cnnviz.api.Colormap;
import dev.cnnviz.api.Map2D;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class NormalizationTest {
  private static final float EPS = 1e-6f;

  @Test
  void minMaxOfKnownMap() {
    Map2D n = Normalization.minMax().apply(Map2D.of(new float[][] {{2, 4}, {6, 3}}));
    assertEquals(0f, n.get(0, 0), EPS);
    assertEquals(0.5f, n.get(0, 1), EPS);
    assertEquals(1f, n.get(1, 0), EPS);
    assertEquals(0.25f, n.get(1, 1), EPS);
    Normalization.Bounds b = Normalization.minMax().bounds(Map2D.of(new float[][] {{2, 4}, {6, 3}}));
    assertEquals(2, b.low(), EPS);
    assertEquals(6, b.high(), EPS);
  }

  @Test
  void percentileClipsOneOutlier() {
    // 99 values 0..0.98 (step 0.01) and one outlier of 1000.
    float[] v = new float[100];
    for (int i = 0; i < 99; i++) {
      v[i] = i / 100f;
    }
    v[99] = 1000;
    Map2D m = new Map2D(10, 10, v);
    Map2D minMax = Normalization.minMax().apply(m);
    assertTrue(minMax.get(9, 8) < 0.001f, "min-max squashes everything under the outlier");

    Map2D p = Normalization.percentile(2).apply(m);
    // 98th percentile of |v| (numpy linear): rank 0.98*99 = 97.02 -> 0.97 + 0.02*(0.98-0.97) = 0.9702
    double q = 0.9702;
    assertEquals(q, Normalization.percentile(2).bounds(m).high(), 1e-5);
    assertEquals(1f, p.get(9, 9), EPS, "outlier clipped to 1");
    assertEquals(1f, p.get(9, 8), EPS, "0.98 > q is clipped too");
    assertEquals(0.5 / q, p.get(5, 0), 1e-5, "0.50 scaled by q");
    assertEquals(0f, p.get(0, 0), EPS);
    // percentile(0) is absolute()
    assertEquals(Normalization.absolute().apply(m), Normalization.percentile(0).apply(m));
  }

  @Test
  void absoluteUsesMagnitude() {
    Map2D n = Normalization.absolute().apply(Map2D.of(new float[][] {{-4, 0, 2}}));
    assertEquals(1f, n.get(0, 0), EPS);
    assertEquals(0f, n.get(0, 1), EPS);
    assertEquals(0.5f, n.get(0, 2), EPS);
  }

  @Test
  void signedKeepsZeroAtHalf() {
    Map2D n = Normalization.signed().apply(Map2D.of(new float[][] {{-2, 0, 1}, {0, 2, -1}}));
    assertEquals(0f, n.get(0, 0), EPS);
    assertEquals(0.5f, n.get(0, 1), EPS);
    assertEquals(0.75f, n.get(0, 2), EPS);
    assertEquals(0.5f, n.get(1, 0), EPS);
    assertEquals(1f, n.get(1, 1), EPS);
    assertEquals(0.25f, n.get(1, 2), EPS);
    // Even when the data is lopsided, zero stays at 0.5.
    Map2D lop = Normalization.signed().apply(Map2D.of(new float[][] {{0, 10, -1}}));
    assertEquals(0.5f, lop.get(0, 0), EPS);
    assertEquals(1f, lop.get(0, 1), EPS);
    assertEquals(0.45f, lop.get(0, 2), EPS);
    Normalization.Bounds b = Normalization.signed().bounds(Map2D.of(new float[][] {{0, 10, -1}}));
    assertEquals(-10, b.low(), EPS);
    assertEquals(10, b.high(), EPS);
    // signedPercentile clips symmetric outliers and keeps zero at 0.5
    Map2D sp = Normalization.signedPercentile(10).apply(Map2D.of(new float[][] {{0, 1, -1, 1, -1, 1, -1, 1, -1, -50}}));
    assertEquals(0.5f, sp.get(0, 0), EPS);
    assertEquals(0f, sp.get(0, 9), EPS);
  }

  @Test
  void constantMapGivesZerosNotNaN() {
    Map2D c = Map2D.constant(3, 4, 5f);
    for (Normalization n : List.of(Normalization.minMax(), Normalization.absolute(), Normalization.percentile(1))) {
      Map2D out = n.apply(c);
      for (float v : out.values()) {
        assertEquals(0f, v, 0f, n.describe());
      }
    }
    Map2D zeros = Normalization.minMax().apply(Map2D.constant(2, 2, 0f));
    for (float v : zeros.values()) {
      assertEquals(0f, v, 0f);
    }
    for (float v : Normalization.signed().apply(Map2D.constant(2, 2, 0f)).values()) {
      assertEquals(0.5f, v, 0f, "signed: encoded zero");
    }
  }

  @Test
  void nanInputRejectedNamingNaN() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Normalization.minMax().apply(new Map2D(1, 2, new float[] {1, Float.NaN})));
    assertTrue(e.getMessage().contains("NaN"), e.getMessage());
  }

  @Test
  void invalidParametersRejected() {
    assertThrows(IllegalArgumentException.class, () -> Normalization.percentile(-1));
    assertThrows(IllegalArgumentException.class, () -> Normalization.percentile(100));
    assertThrows(IllegalArgumentException.class, () -> Normalization.percentile(Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> new Normalization(Normalization.Mode.MIN_MAX, 3));
    assertEquals("percentile(2%)", Normalization.percentile(2).describe());
    assertEquals(Normalization.percentile(2), Normalization.percentile(2));
  }
}
