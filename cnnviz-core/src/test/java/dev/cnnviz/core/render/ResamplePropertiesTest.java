package dev.cnnviz.core.render;

import dev.cnnviz.api.Colormap;
import dev.cnnviz.api.Map2D;

import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

class ResamplePropertiesTest {

  @Provide
  Arbitrary<Map2D> maps() {
    Arbitrary<Integer> h = Arbitraries.integers().between(1, 9);
    Arbitrary<Integer> w = Arbitraries.integers().between(1, 9);
    return h.flatMap(hh -> w.flatMap(ww -> Arbitraries.floats().between(-1e4f, 1e4f)
        .array(float[].class).ofSize(hh * ww).map(v -> new Map2D(hh, ww, v))));
  }

  @Property(tries = 400)
  void bilinearStaysWithinInputRange(
      @ForAll("maps") Map2D src, @ForAll @IntRange(min = 1, max = 40) int outH,
      @ForAll @IntRange(min = 1, max = 40) int outW) {
    Map2D out = Resample.bilinear(src, outH, outW);
    assertTrue(out.min() >= src.min(), "min " + out.min() + " < " + src.min());
    assertTrue(out.max() <= src.max(), "max " + out.max() + " > " + src.max());
  }

  @Property(tries = 200)
  void integerNearestUpscaleRoundTripsThroughBilinearDownscale(
      @ForAll("maps") Map2D src, @ForAll @IntRange(min = 1, max = 4) int k) {
    // Upscaling by an odd factor with nearest, then bilinear back down, lands exactly on block centres.
    int f = 2 * k - 1;
    Map2D up = Resample.nearest(src, src.height() * f, src.width() * f);
    Map2D back = Resample.bilinear(up, src.height(), src.width());
    assertTrue(back.equals(src), "round trip changed the map for factor " + f);
  }
}
