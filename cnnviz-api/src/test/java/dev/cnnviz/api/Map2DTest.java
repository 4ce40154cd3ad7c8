package dev.cnnviz.api;


import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class Map2DTest {

  @Test
  void rowMajorAccessAndRange() {
    Map2D m = new Map2D(2, 3, new float[] {0, 1, 2, 3, -4, 5});
    assertEquals(2f, m.get(0, 2));
    assertEquals(3f, m.get(1, 0));
    assertEquals(-4f, m.min());
    assertEquals(5f, m.max());
    assertEquals(5f, m.maxAbs());
    assertThrows(IndexOutOfBoundsException.class, () -> m.get(2, 0));
    assertThrows(IndexOutOfBoundsException.class, () -> m.get(0, 3));
  }

  @Test
  void defensiveCopiesBothWays() {
    float[] src = {1, 2, 3, 4};
    Map2D m = new Map2D(2, 2, src);
    src[0] = 99;
    assertEquals(1f, m.get(0, 0));
    float[] out = m.values();
    out[1] = 99;
    assertEquals(2f, m.get(0, 1));
  }

  @Test
  void rejectsBadSizesLengthAndNonFinite() {
    assertThrows(IllegalArgumentException.class, () -> new Map2D(0, 2, new float[0]));
    assertThrows(IllegalArgumentException.class, () -> new Map2D(2, -1, new float[2]));
    IllegalArgumentException len = assertThrows(IllegalArgumentException.class, () -> new Map2D(2, 2, new float[3]));
    assertTrue(len.getMessage().contains("3"), len.getMessage());
    IllegalArgumentException nan =
        assertThrows(IllegalArgumentException.class, () -> new Map2D(1, 3, new float[] {0, 1, Float.NaN}));
    assertTrue(nan.getMessage().contains("NaN"), nan.getMessage());
    assertTrue(nan.getMessage().contains("x=2"), nan.getMessage());
    IllegalArgumentException inf = assertThrows(IllegalArgumentException.class,
        () -> new Map2D(1, 2, new float[] {Float.NEGATIVE_INFINITY, 0}));
    assertTrue(inf.getMessage().contains("Infinity"), inf.getMessage());
  }

  @Test
  void factoriesAndEquality() {
    Map2D a = Map2D.of(new float[][] {{0, 1}, {2, 3}});
    Map2D b = Map2D.generate(2, 2, (y, x) -> 2 * y + x);
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    assertNotEquals(a, Map2D.generate(1, 4, (y, x) -> x));
    assertArrayEquals(new float[] {7, 7, 7}, Map2D.constant(1, 3, 7).values());
    assertThrows(IllegalArgumentException.class, () -> Map2D.of(new float[][] {{1, 2}, {3}}));
    assertThrows(IllegalArgumentException.class, () -> Map2D.generate(1, 1, (y, x) -> Double.NaN));
  }
}
