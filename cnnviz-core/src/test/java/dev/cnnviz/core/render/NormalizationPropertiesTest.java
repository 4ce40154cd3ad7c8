package dev.cnnviz.core.render;

import dev.cnnviz.api.Colormap;
import dev.cnnviz.api.Map2D;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.FloatRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class NormalizationPropertiesTest {

  @Property(tries = 300)
  void outputAlwaysInUnitInterval(
      @ForAll @Size(min = 1, max = 64) List<@FloatRange(min = -1e6f, max = 1e6f) Float> values,
      @ForAll @IntRange(min = 0, max = 4) int mode) {
    float[] v = new float[values.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = values.get(i);
    }
    Map2D m = new Map2D(1, v.length, v);
    Normalization n = switch (mode) {
      case 0 -> Normalization.minMax();
      case 1 -> Normalization.absolute();
      case 2 -> Normalization.percentile(5);
      case 3 -> Normalization.signed();
      default -> Normalization.signedPercentile(5);
    };
    for (float t : n.apply(m).values()) {
      assertTrue(t >= 0f && t <= 1f, n.describe() + " gave " + t);
    }
  }
}
