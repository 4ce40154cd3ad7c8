package dev.cnnviz.api;

import java.util.Arrays;

/**
 * An immutable two-dimensional map of finite {@code float} values (an attribution map, a CAM, a saliency map, a
 * normalised heat map...), stored in row-major order: the value at row {@code y}, column {@code x} is
 * {@code values[y * width + x]}.
 *
 * <p>Invariants, checked by the constructor: {@code height > 0}, {@code width > 0},
 * {@code values.length == height * width}, and every value is finite (no NaN, no ±Infinity). The array is copied on
 * the way in and on the way out ({@link #values()}), so a {@code Map2D} can be shared freely.
 *
 * <pre>{@code
 * Map2D cam = new Map2D(2, 3, new float[] {0, 1, 2, 3, 4, 5});
 * float v = cam.get(1, 2);   // 5.0f; cam.min() == 0, cam.max() == 5
 * }</pre>
 *
 * @param height number of rows, positive
 * @param width  number of columns, positive
 * @param values the {@code height * width} values in row-major order (copied)
 */
public record Map2D(int height, int width, float[] values) {

  /** A function of a pixel position, used by {@link #generate(int, int, Cell)}. */
  @FunctionalInterface
  public interface Cell {
    /**
     * The value at row {@code y}, column {@code x}.
     *
     * <pre>{@code
     * Map2D.Cell diagonal = (y, x) -> y == x ? 1 : 0;
     * Map2D eye = Map2D.generate(3, 3, diagonal);
     * }</pre>
     *
     * @param y row, {@code 0 <= y < height}
     * @param x column, {@code 0 <= x < width}
     * @return the value, which must be finite
     */
    double at(int y, int x);
  }

  /**
   * Validates and copies the values.
   *
   * <pre>{@code
   * new Map2D(1, 2, new float[] {0.5f, 1f});          // fine
   * new Map2D(1, 2, new float[] {0.5f, Float.NaN});   // IllegalArgumentException: "... NaN at (y=0, x=1)"
   * }</pre>
   *
   * @param height number of rows, positive
   * @param width  number of columns, positive
   * @param values the {@code height * width} values in row-major order (copied)
   * @throws IllegalArgumentException if a size is not positive, the length is not {@code height * width}, or a value
   *     is NaN or infinite (the message names the value and its position)
   * @throws NullPointerException if {@code values} is null
   */
  public Map2D {
    if (height <= 0 || width <= 0) {
      throw new IllegalArgumentException("Map2D sizes must be positive, got height=" + height + ", width=" + width);
    }
    if (values == null) {
      throw new NullPointerException("Map2D values must not be null");
    }
    if ((long) height * width != values.length) {
      throw new IllegalArgumentException("Map2D values.length must be height*width = " + height + "*" + width + " = "
          + ((long) height * width) + ", got " + values.length);
    }
    values = values.clone();
    for (int i = 0; i < values.length; i++) {
      float v = values[i];
      if (!Float.isFinite(v)) {
        throw new IllegalArgumentException("Map2D values must be finite, found " + v + " at (y=" + (i / width)
            + ", x=" + (i % width) + ")");
      }
    }
  }

  /**
   * Builds a map from rows ({@code rows[y][x]}); all rows must have the same, positive length.
   *
   * <pre>{@code
   * Map2D m = Map2D.of(new float[][] {{0, 1}, {2, 3}});
   * m.get(1, 0);   // 2.0f
   * }</pre>
   *
   * @param rows the rows, at least one, each of the same length
   * @return the map, {@code rows.length} high and {@code rows[0].length} wide
   * @throws IllegalArgumentException if there are no rows, a row is empty, rows are ragged, or a value is not finite
   */
  public static Map2D of(float[][] rows) {
    if (rows == null || rows.length == 0 || rows[0] == null || rows[0].length == 0) {
      throw new IllegalArgumentException("Map2D.of needs at least one non-empty row");
    }
    int h = rows.length;
    int w = rows[0].length;
    float[] v = new float[h * w];
    for (int y = 0; y < h; y++) {
      if (rows[y] == null || rows[y].length != w) {
        throw new IllegalArgumentException("Map2D.of: row " + y + " has length "
            + (rows[y] == null ? "null" : rows[y].length) + ", expected " + w);
      }
      System.arraycopy(rows[y], 0, v, y * w, w);
    }
    return new Map2D(h, w, v);
  }

  /**
   * Builds a map by evaluating {@code cell} at every position (values are narrowed to {@code float}).
   *
   * <pre>{@code
   * Map2D ramp = Map2D.generate(4, 8, (y, x) -> x / 7.0);   // 0 at the left, 1 at the right
   * ramp.max();   // 1.0f
   * }</pre>
   *
   * @param height rows, positive
   * @param width  columns, positive
   * @param cell   the value at each {@code (y, x)}
   * @return the map
   * @throws IllegalArgumentException if a size is not positive or a value is not finite
   */
  public static Map2D generate(int height, int width, Cell cell) {
    if (height <= 0 || width <= 0) {
      throw new IllegalArgumentException("Map2D sizes must be positive, got height=" + height + ", width=" + width);
    }
    float[] v = new float[Math.multiplyExact(height, width)];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        v[y * width + x] = (float) cell.at(y, x);
      }
    }
    return new Map2D(height, width, v);
  }

  /**
   * A map holding {@code value} everywhere.
   *
   * <pre>{@code
   * Map2D flat = Map2D.constant(13, 13, 0.25f);
   * flat.min() == flat.max();   // true
   * }</pre>
   *
   * @param height rows, positive
   * @param width  columns, positive
   * @param value  the finite value
   * @return the map
   */
  public static Map2D constant(int height, int width, float value) {
    if (height <= 0 || width <= 0) {
      throw new IllegalArgumentException("Map2D sizes must be positive, got height=" + height + ", width=" + width);
    }
    float[] v = new float[Math.multiplyExact(height, width)];
    Arrays.fill(v, value);
    return new Map2D(height, width, v);
  }

  /**
   * A copy of the values in row-major order; changing it does not change this map.
   *
   * <pre>{@code
   * float[] copy = map.values();
   * copy[0] = 42;   // map.get(0, 0) is unchanged
   * }</pre>
   *
   * @return a fresh array of {@code height * width} values
   */
  @Override
  public float[] values() {
    return values.clone();
  }

  /**
   * The value at row {@code y}, column {@code x}: {@code values[y * width + x]}.
   *
   * <pre>{@code
   * Map2D m = Map2D.of(new float[][] {{0, 1}, {2, 3}});
   * m.get(0, 1);   // 1.0f
   * }</pre>
   *
   * @param y row, {@code 0 <= y < height}
   * @param x column, {@code 0 <= x < width}
   * @return the value
   * @throws IndexOutOfBoundsException if {@code y} or {@code x} is out of range
   */
  public float get(int y, int x) {
    if (y < 0 || y >= height || x < 0 || x >= width) {
      throw new IndexOutOfBoundsException("(y=" + y + ", x=" + x + ") is outside a " + height + "x" + width + " map");
    }
    return values[y * width + x];
  }

  /**
   * The smallest value.
   *
   * <pre>{@code
   * Map2D.of(new float[][] {{3, -1}, {2, 0}}).min();   // -1.0f
   * }</pre>
   *
   * @return the minimum over all values
   */
  public float min() {
    float m = values[0];
    for (float v : values) {
      m = Math.min(m, v);
    }
    return m;
  }

  /**
   * The largest value.
   *
   * <pre>{@code
   * Map2D.of(new float[][] {{3, -1}, {2, 0}}).max();   // 3.0f
   * }</pre>
   *
   * @return the maximum over all values
   */
  public float max() {
    float m = values[0];
    for (float v : values) {
      m = Math.max(m, v);
    }
    return m;
  }

  /**
   * The largest absolute value, {@code max |v|}.
   *
   * <pre>{@code
   * Map2D.of(new float[][] {{3, -5}}).maxAbs();   // 5.0f
   * Map2D.constant(2, 2, 0).maxAbs();             // 0.0f
   * }</pre>
   *
   * @return the maximum of {@code |v|} over all values
   */
  public float maxAbs() {
    float m = 0;
    for (float v : values) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }

  /** Number of values, {@code height * width}. */
  public int size() {
    return values.length;
  }

  /** @return the value at row-major index {@code i} (no copy; for inner loops). */
  public float at(int i) {
    return values[i];
  }

  /**
   * Two maps are equal when they have the same sizes and the same values ({@link Arrays#equals(float[], float[])}).
   *
   * <pre>{@code
   * new Map2D(1, 1, new float[] {1}).equals(new Map2D(1, 1, new float[] {1}));   // true
   * new Map2D(1, 2, new float[] {1, 2}).equals(new Map2D(2, 1, new float[] {1, 2}));   // false
   * }</pre>
   *
   * @param o the other object
   * @return whether {@code o} is an equal {@code Map2D}
   */
  @Override
  public boolean equals(Object o) {
    return o instanceof Map2D m && m.height == height && m.width == width && Arrays.equals(m.values, values);
  }

  /**
   * A hash consistent with {@link #equals(Object)}.
   *
   * <pre>{@code
   * Map2D a = Map2D.constant(2, 2, 1), b = Map2D.constant(2, 2, 1);
   * a.hashCode() == b.hashCode();   // true
   * }</pre>
   *
   * @return the hash code
   */
  @Override
  public int hashCode() {
    return 31 * (31 * height + width) + Arrays.hashCode(values);
  }

  /**
   * A short description with the sizes and the value range (not every value).
   *
   * <pre>{@code
   * Map2D.constant(13, 13, 0).toString();   // "Map2D[13x13, min=0.0, max=0.0]"
   * }</pre>
   *
   * @return the description
   */
  @Override
  public String toString() {
    return "Map2D[" + height + "x" + width + ", min=" + min() + ", max=" + max() + "]";
  }
}
