package dev.nnet.tests;

import static org.junit.jupiter.api.Assertions.*;

import dev.nnet.NnetCompiler;
import dev.nnet.runtime.*;
import dev.nnet.syntax.SourceFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Preprocessing, augmentation, splits, folds and NumPy sources, each against what it must do. */
class DataPipelineTest {
  @TempDir
  Path dir;

  /** 20,000 samples of a 3-d Gaussian with covariance [[4,2,0],[2,3,0],[0,0,1]] and mean (1, −2, 3). */
  static float[] correlated(int n) {
    Rng rng = new Rng(9);
    float[] x = new float[n * 3];
    for (int i = 0; i < n; i++) {
      double a = rng.nextGaussian(), b = rng.nextGaussian(), c = rng.nextGaussian();
      // Cholesky factor of the covariance: L = [[2,0,0],[1,√2,0],[0,0,1]]
      x[i * 3] = (float) (1 + 2 * a);
      x[i * 3 + 1] = (float) (-2 + a + Math.sqrt(2) * b);
      x[i * 3 + 2] = (float) (3 + c);
    }
    return x;
  }

  static double[][] covariance(Preprocessor p, float[] x, int n) {
    int out = p.outputSize();
    float[] y = new float[n * out];
    double[] work = new double[3];
    for (int i = 0; i < n; i++) p.apply(x, i * 3, y, i * out, work);
    double[] mean = new double[out];
    for (int i = 0; i < n; i++) for (int j = 0; j < out; j++) mean[j] += y[i * out + j] / (double) n;
    double[][] cov = new double[out][out];
    for (int i = 0; i < n; i++) for (int a = 0; a < out; a++) for (int b = 0; b < out; b++) cov[a][b] += (y[i * out + a] - mean[a]) * (y[i * out + b] - mean[b]) / (n - 1);
    return cov;
  }

  @Test
  void pcaDiagonalizesAndWhiteningGivesTheIdentity() {
    int n = 20_000;
    float[] x = correlated(n);
    double[][] pca = covariance(Preprocessor.fit(new Preprocessor.Spec("pca", 3, 0), x, n, 3, 1f), x, n);
    // eigenvalues of [[4,2],[2,3]] are (7 ± √17)/2 = 5.56, 1.44; and 1
    assertEquals(5.56, pca[0][0], 0.15);
    assertEquals(1.44, pca[1][1], 0.05);
    assertEquals(1.0, pca[2][2], 0.05);
    assertEquals(0, pca[0][1], 1e-3, "components are uncorrelated");
    assertEquals(0, pca[0][2], 1e-3);
    assertEquals(2, Preprocessor.fit(new Preprocessor.Spec("pca", 2, 0), x, n, 3, 1f).outputSize(), "pca(k) keeps k components");
    for (String kind : new String[] {"whiten", "zca"}) {
      double[][] w = covariance(Preprocessor.fit(new Preprocessor.Spec(kind, 0, 1e-9), x, n, 3, 1f), x, n);
      for (int a = 0; a < 3; a++) for (int b = 0; b < 3; b++) assertEquals(a == b ? 1 : 0, w[a][b], 1e-3, kind + " covariance ≈ I at " + a + "," + b);
    }
  }

  @Test
  void standardizationUsesTrainingStatisticsOnly() {
    float[] train = {0, 10, 2, 10, 4, 10}; // feature 0: mean 2, std √(8/3); feature 1: constant
    Preprocessor p = Preprocessor.fit(new Preprocessor.Spec("standardize", 0, 0), train, 3, 2, 1f);
    float[] out = new float[2];
    p.apply(new float[] {5, 11}, 0, out, 0, new double[2]);
    assertEquals((5 - 2) / Math.sqrt(8.0 / 3), out[0], 1e-6);
    assertEquals(1, out[1], 1e-6, "a constant feature is centred, not divided by 0");
    Preprocessor again = Preprocessor.restore(p.spec(), p.state());
    float[] out2 = new float[2];
    again.apply(new float[] {5, 11}, 0, out2, 0, new double[2]);
    assertArrayEquals(out, out2, "the stored statistics reproduce the transform");
  }

  @Test
  void evalAndPredictApplyTheStoredTransform() {
    NnetCompiler.Compiled c = NnetCompiler.defaults().compile(Samples.read(Samples.sample("wine.nnet")));
    Trainer t = c.newTrainer().epochs(20);
    Dataset all = DataLoader.load(t.spec(), c.dataDirectory()).train();
    t.fit(all, null, null);
    Path ckpt = dir.resolve("wine.ckpt");
    t.save(ckpt);
    Trainer loaded = c.newTrainer().load(ckpt);
    float[] wine = java.util.Arrays.copyOfRange(all.features(), 0, 13);
    assertArrayEquals(t.predict(wine), loaded.predict(wine), "the loaded trainer standardizes as the trained one did");
    assertEquals(t.evaluate(all), loaded.evaluate(all));
    assertTrue(loaded.evaluate(all).accuracy() > 0.95, "standardized wine is learned: " + loaded.evaluate(all).accuracy());
  }

  @Test
  void augmentations() {
    int[] shape = {1, 4, 5};
    float[] img = new float[20];
    for (int i = 0; i < 20; i++) img[i] = i + 1;
    Augmenter a = new Augmenter(List.of(), shape);
    float[] x = img.clone();
    a.mirror(x, 0);
    assertEquals(5, x[0]);
    assertEquals(1, x[4]);
    a.mirror(x, 0);
    assertArrayEquals(img, x, "mirror twice is the identity");
    x = img.clone();
    a.shift(x, 0, 1, 0);
    assertEquals(20, x.length, "crop keeps the shape");
    assertEquals(0, x[0], "the padding comes in");
    assertEquals(1, x[1], "the content moved right by one");
    Augmenter identity = new Augmenter(List.of(new TrainingPlan.Augment("rotate", 1e-9), new TrainingPlan.Augment("zoom", 1e-9)), shape);
    x = img.clone();
    identity.apply(x, 0, new Rng(1));
    assertArrayEquals(img, x, 1e-4f, "a vanishing rotation and zoom change nothing");
    Augmenter noise = new Augmenter(List.of(new TrainingPlan.Augment("noise", 0.5)), new int[] {10_000});
    float[] z = new float[10_000];
    noise.apply(z, 0, new Rng(2));
    double sq = 0;
    for (float v : z) sq += v * v;
    assertEquals(0.5, Math.sqrt(sq / z.length), 0.02, "noise has the asked standard deviation");
    float[] z2 = new float[10_000];
    noise.apply(z2, 0, new Rng(2));
    assertArrayEquals(z, z2, "seeded");
  }

  /** On [C, H, W] images every channel moves alike and stays in its own plane. */
  @Test
  void augmentationsMoveEveryChannelAlike() {
    int[] shape = {3, 4, 5};
    float[] img = new float[60];
    for (int c = 0; c < 3; c++) for (int i = 0; i < 20; i++) img[c * 20 + i] = (c + 1) * (i + 1);
    Augmenter a = new Augmenter(List.of(new TrainingPlan.Augment("crop", 2), new TrainingPlan.Augment("mirror", 0),
        new TrainingPlan.Augment("rotate", 20), new TrainingPlan.Augment("zoom", 0.2)), shape);
    for (long seed = 1; seed <= 20; seed++) {
      float[] x = img.clone();
      a.apply(x, 0, new Rng(seed));
      for (int i = 0; i < 20; i++) {
        // channel c is (c + 1) times channel 0, and stays so when the same shift, flip and interpolation move it
        assertEquals(2 * x[i], x[20 + i], 1e-3, "channel 1 moved as channel 0, seed " + seed);
        assertEquals(3 * x[i], x[40 + i], 1e-3, "channel 2 moved as channel 0, seed " + seed);
      }
    }
    float[] x = img.clone();
    a.mirror(x, 0);
    assertEquals(10, x[20], "mirror flips each channel's rows");
    assertEquals(15, x[40]);
  }

  @Test
  void stratifiedSplitsAndFolds() {
    int n = 300;
    int[] y = new int[n];
    for (int i = 0; i < n; i++) y[i] = i < 200 ? 0 : (i < 270 ? 1 : 2); // shares 2/3, 7/30, 1/10
    Dataset d = Dataset.classification("d", 1, new float[n], y, 3);
    Dataset[] parts = d.split(0.2, 4, true);
    assertEquals(60, parts[1].rows());
    int[] count = new int[3];
    for (int l : parts[1].labels()) count[l]++;
    assertArrayEquals(new int[] {40, 14, 6}, count, "each class keeps its share");
    int[][] folds = d.folds(5, 4, true);
    boolean[] seen = new boolean[n];
    for (int[] f : folds) {
      assertEquals(60, f.length);
      int c2 = 0;
      for (int r : f) {
        assertFalse(seen[r], "a row is held out once");
        seen[r] = true;
        if (y[r] == 2) c2++;
      }
      assertEquals(6, c2, "each fold keeps the rare class's share");
    }
  }

  @Test
  void crossValidationReportsMeanAndStd() {
    NnetCompiler.Compiled c = NnetCompiler.defaults().compile(Samples.read(Samples.sample("wine.nnet")));
    Trainer t = c.newTrainer().epochs(15);
    CrossValidation a = t.crossValidate(), b = c.newTrainer().epochs(15).crossValidate();
    assertEquals(5, a.folds().size());
    assertEquals("val_accuracy", a.metric());
    double mean = a.folds().stream().mapToDouble(Metrics::accuracy).average().orElseThrow();
    assertEquals(mean, a.mean(), 1e-12);
    assertTrue(a.mean() > 0.9, "wine is learned in every fold: " + a);
    assertEquals(a, b, "seeded and deterministic");
  }

  @Test
  void numpySourcesAndLabelChecks() {
    Path npz = dir.resolve("d.npz");
    Rng rng = new Rng(3);
    double[] x = new double[40 * 4], y = new double[40];
    for (int i = 0; i < x.length; i++) x[i] = rng.nextGaussian();
    for (int i = 0; i < 40; i++) y[i] = x[i * 4] > 0 ? 1 : 0;
    Npz.write(npz, Map.of("x_train", new Npz.Array(new int[] {40, 2, 2}, x), "y_train", new Npz.Array(new int[] {40}, y)), false);
    String text = """
        input [2, 2]
        network {
          flatten
          dense(8) -> tanh
          dense(CLASSES)
        }
        loss softmax_cross_entropy
        training {
          batch 8
          epochs 30
          optimizer adam(lr: 0.05)
        }
        data {
          train npz("d.npz", x: "x_train", y: "y_train")
        }
        """;
    Trainer t = NnetCompiler.defaults().compile(new SourceFile("np.nnet", text.replace("CLASSES", "2"), dir)).newTrainer();
    t.fit();
    assertTrue(t.evaluate(DataLoader.load(t.spec(), dir).train()).accuracy() > 0.9, "learns the sign of the first feature");
    Trainer one = NnetCompiler.defaults().compile(new SourceFile("np.nnet", text.replace("CLASSES", "1").replace("softmax_cross_entropy", "mse"), dir)).newTrainer();
    DataException e = assertThrows(DataException.class, one::fit);
    assertTrue(e.getMessage().contains("has label 1 but the network has 1 outputs"), e.getMessage());
  }
}
