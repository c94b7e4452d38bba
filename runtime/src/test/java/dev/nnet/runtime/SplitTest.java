package dev.nnet.runtime;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** The loader's in-place split gives the parts the copying split gives, row for row. */
class SplitTest {
  private static Dataset classes(int rows, int width) {
    float[] x = new float[rows * width];
    int[] y = new int[rows];
    for (int r = 0; r < rows; r++) {
      y[r] = r % 7 == 0 ? 2 : r % 3 == 0 ? 1 : 0;
      for (int j = 0; j < width; j++) x[r * width + j] = r * 1000 + j; // each row says which it is
    }
    return Dataset.classification("c", width, x, y, 3);
  }

  private static void assertSameRows(Dataset expected, Dataset actual) {
    assertEquals(expected.rows(), actual.rows());
    assertEquals(expected.name(), actual.name());
    int n = expected.rows() * expected.featureSize();
    assertArrayEquals(java.util.Arrays.copyOf(expected.features(), n), java.util.Arrays.copyOf(actual.features(), n));
    if (expected.labels() != null) assertArrayEquals(expected.labels(), actual.labels());
    if (expected.targets() != null) assertArrayEquals(expected.targets(), actual.targets());
    if (expected.wideFeatures() != null) {
      assertArrayEquals(expected.wideFeatures(), java.util.Arrays.copyOf(actual.wideFeatures(), n));
    }
    if (expected.wideTargets() != null) assertArrayEquals(expected.wideTargets(), actual.wideTargets());
  }

  @Test
  void inPlaceEqualsCopying() {
    for (boolean stratify : new boolean[] {false, true}) {
      for (double fraction : new double[] {0.1, 0.5, 0.0}) {
        Dataset[] copied = classes(211, 5).split(fraction, 9, stratify);
        Dataset source = classes(211, 5);
        Dataset[] reused = source.splitReusing(fraction, 9, stratify);
        assertSameRows(copied[0], reused[0]);
        assertSameRows(copied[1], reused[1]);
        assertSame(source.features(), reused[0].features(), "the training part keeps the array: no second copy");
      }
    }
  }

  @Test
  void regressionAndFloat64PartsToo() {
    int rows = 97, width = 3, out = 2;
    float[] x = new float[rows * width], t = new float[rows * out];
    for (int i = 0; i < x.length; i++) x[i] = i;
    for (int i = 0; i < t.length; i++) t[i] = -i;
    java.util.function.Supplier<Dataset> make = () -> {
      double[] wx = new double[rows * width], wt = new double[rows * out];
      for (int i = 0; i < wx.length; i++) wx[i] = i + 0.25;
      for (int i = 0; i < wt.length; i++) wt[i] = -i - 0.25;
      return Dataset.regression("r", width, x.clone(), t.clone(), out).wide(wx, wt);
    };
    Dataset[] copied = make.get().split(0.3, 5, false);
    Dataset[] reused = make.get().splitReusing(0.3, 5, false);
    assertSameRows(copied[0], reused[0]);
    assertSameRows(copied[1], reused[1]);
  }
}
