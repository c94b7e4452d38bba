package dev.nnet.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.nnet.NnetCompiler;
import dev.nnet.analysis.Model;
import dev.nnet.runtime.Npz;
import dev.nnet.runtime.Preprocessor;
import dev.nnet.runtime.Trainer;
import dev.nnet.syntax.SourceFile;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every sample, exported and run by ONNX Runtime (not nnet's code): its outputs on 100 inputs agree with the
 * trainer's predictions within 1e-5 and pick the same classes. Weights are the initial ones moved by noise
 * (batchnorm's running statistics, γ and β included, so that a mistake in their order shows), and a file that
 * preprocesses gets made-up statistics of the right shapes, so no training and no data files are needed.
 */
class OnnxExportTest {
  static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

  @TempDir
  Path tmp;

  static Path repo() {
    return Path.of(System.getProperty("nnet.repo", "..")).toAbsolutePath().normalize();
  }

  /** Every .nnet file under samples/, but those only imported and the one needing fashion-base's trained weights. */
  static List<Path> samples() throws IOException {
    try (Stream<Path> s = Files.walk(repo().resolve("samples"))) {
      return s.filter(p -> p.toString().endsWith(".nnet") && !p.toString().contains("/shared/") && !p.toString().contains("/target/")
          && !p.endsWith("fashion-finetune.nnet")).sorted().toList();
    }
  }

  @TestFactory
  Stream<DynamicTest> everySampleAgreesWithOnnxRuntime() throws IOException {
    return samples().stream().map(p -> DynamicTest.dynamicTest(repo().resolve("samples").relativize(p).toString(), () -> agree(SourceFile.read(p), 7)));
  }

  @Test
  void preprocessingBecomesLeadingNodes() throws Exception {
    Files.writeString(tmp.resolve("x.csv"), "1,2,3,4,5,0\n2,3,4,5,6,1\n");
    for (String pre : List.of("center", "standardize", "pca(3)", "whiten(2, eps: 0.1)", "zca(eps: 0.01)")) {
      agree(new SourceFile("pre.nnet", "input [5]\nnetwork {\n  dense(6) -> gelu\n  dense(3)\n}\nloss softmax_cross_entropy\n"
          + "training {\n  batch 4\n}\ndata {\n  train csv(\"x.csv\")\n  scale 0.5\n  preprocess " + pre + "\n}\n", tmp), 3);
    }
  }

  @Test
  void groupsOfFeaturesRegressionAndMultiLabel() throws Exception {
    agree(SourceFile.of("groups.nnet", "input [12]\nnetwork {\n  dense(8) -> groupnorm(groups: 2) -> silu\n  dense(8) -> layernorm -> elu(0.5)\n"
        + "  maxout(k: 2) -> prelu(per_unit: true)\n  dense(2)\n}\nloss mse\ntraining {\n  batch 4\n}\n"), 5);
    agree(SourceFile.of("labels.nnet", "input [6]\nnetwork {\n  dense(8) -> leaky_relu(0.2)\n  residual(shortcut: zeros) {\n    dense(10) -> sigmoid\n  }\n"
        + "  dense(3)\n}\nloss sigmoid_cross_entropy\ntraining {\n  batch 4\n}\n"), 5);
  }

  /** Compiles {@code source}, gives it noisy weights, exports it, and compares ONNX Runtime's outputs with the trainer's. */
  void agree(SourceFile source, long seed) throws Exception {
    // a mixed-precision file's products run in 16 bits; its ONNX model is float32 (the master weights), so is the reference
    NnetCompiler compiler = NnetCompiler.defaults();
    if (compiler.check(source).mixed() != Model.Mixed.NONE) compiler = compiler.precision("float32");
    NnetCompiler.Compiled c = compiler.compile(source);
    Trainer trainer = c.newTrainer();
    Model model = c.model();
    SplittableRandom rng = new SplittableRandom(seed);
    Map<String, Npz.Array> noisy = new LinkedHashMap<>();
    for (Map.Entry<String, Npz.Array> e : trainer.stateDict().entrySet()) {
      double[] v = e.getValue().data().clone();
      boolean variance = e.getKey().endsWith(".running_var");
      for (int i = 0; i < v.length; i++) v[i] = variance ? 0.5 + rng.nextDouble() : v[i] + 0.2 * (rng.nextDouble() - 0.5);
      noisy.put(e.getKey(), new Npz.Array(e.getValue().shape(), v));
    }
    Preprocessor.Spec pre = model.plan().data().preprocess();
    int raw = model.rawInputSize(), in = model.inputSize();
    double scale = model.plan().data().scale();
    if (!pre.kind().equals("none")) {
      noisy.put(Preprocessor.NPZ_PREFIX + "mean", new Npz.Array(new int[] {raw}, random(rng, raw, 0.2, 0.6)));
      if (pre.kind().equals("standardize")) noisy.put(Preprocessor.NPZ_PREFIX + "std", new Npz.Array(new int[] {raw}, random(rng, raw, 0.2, 1.2)));
      if (!pre.kind().equals("center") && !pre.kind().equals("standardize")) {
        noisy.put(Preprocessor.NPZ_PREFIX + "projection", new Npz.Array(new int[] {raw, in}, random(rng, raw * in, -0.5, 0.5)));
      }
    }
    Path npz = tmp.resolve(source.baseName() + ".npz");
    Npz.write(npz, noisy, false);
    trainer.importWeights(npz);

    Path onnx = tmp.resolve(source.baseName() + ".onnx");
    OnnxExport.write(model, trainer.stateDict(), List.of(), "test", onnx);

    float[][] x = inputs(c, raw, scale, rng);
    int rows = x.length;
    float[][] expected = trainer.predict(x);
    Map<String, Object> got = run(onnx, x, model.inputShape());
    String out = got.containsKey("probabilities") ? "probabilities" : "values";
    float[][] actual = (float[][]) got.get(out);
    double worst = 0;
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < expected[r].length; j++) {
        double tol = 1e-5 * Math.max(1, Math.abs(expected[r][j]));
        worst = Math.max(worst, Math.abs(actual[r][j] - expected[r][j]) / Math.max(1, Math.abs(expected[r][j])));
        if (!(Math.abs(actual[r][j] - expected[r][j]) <= tol)) {
          fail(source.name() + ": row " + r + " output " + j + ": ONNX Runtime " + actual[r][j] + ", nnet " + expected[r][j]);
        }
      }
    }
    if (got.containsKey("class")) {
      long[] cls = (long[]) got.get("class");
      for (int r = 0; r < rows; r++) {
        int best = argmax(expected[r]);
        float second = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < expected[r].length; j++) if (j != best) second = Math.max(second, expected[r][j]);
        if (expected[r][best] - second > 1e-5) assertEquals(best, cls[r], source.name() + ": row " + r + "'s class");
      }
    }
    assertTrue(worst <= 1e-5, source.name() + ": " + worst);
  }

  /**
   * 100 rows of the file's test split (else its training data) when its data can be read here; otherwise random
   * rows in the raw features' units (0..255 when the file scales by 1/255).
   */
  static float[][] inputs(NnetCompiler.Compiled c, int raw, double scale, SplittableRandom rng) {
    try {
      dev.nnet.runtime.DataLoader.Splits s = c.data();
      dev.nnet.runtime.Dataset d = s.test() != null ? s.test() : s.train();
      int rows = Math.min(100, d.rows());
      float[][] x = new float[rows][raw];
      for (int r = 0; r < rows; r++) System.arraycopy(d.features(), r * raw, x[r], 0, raw);
      return x;
    } catch (RuntimeException noData) {
      float[][] x = new float[100][raw];
      for (float[] r : x) for (int j = 0; j < raw; j++) r[j] = (float) (rng.nextDouble() / scale);
      return x;
    }
  }

  /** Runs the model on {@code x} (rows of raw features), shaped [rows, input shape...]; every output by name. */
  static Map<String, Object> run(Path onnx, float[][] x, int[] inputShape) throws OrtException {
    long[] shape = new long[inputShape.length + 1];
    shape[0] = x.length;
    for (int i = 0; i < inputShape.length; i++) shape[i + 1] = inputShape[i];
    FloatBuffer flat = FloatBuffer.allocate(x.length * x[0].length);
    for (float[] r : x) flat.put(r);
    flat.flip();
    Map<String, Object> out = new LinkedHashMap<>();
    try (OrtSession s = ENV.createSession(onnx.toString(), new OrtSession.SessionOptions());
         OnnxTensor t = OnnxTensor.createTensor(ENV, flat, shape);
         OrtSession.Result r = s.run(Map.of("input", t))) {
      List<String> names = new ArrayList<>(s.getOutputNames());
      for (String n : names) out.put(n, r.get(n).orElseThrow().getValue());
    }
    return out;
  }

  static int argmax(float[] v) {
    int b = 0;
    for (int j = 1; j < v.length; j++) if (v[j] > v[b]) b = j;
    return b;
  }

  static double[] random(SplittableRandom rng, int n, double lo, double hi) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) v[i] = lo + (hi - lo) * rng.nextDouble();
    return v;
  }
}
