package dev.nnet.tests;

import static org.junit.jupiter.api.Assertions.*;

import dev.nnet.NnetCompiler;
import dev.nnet.compile.JaninoCompiler;
import dev.nnet.emit.PredictorEmitter;
import dev.nnet.runtime.*;
import dev.nnet.syntax.SourceFile;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Batch normalization beyond its gradients: running statistics in evaluation, checkpoints, the predictor, PyTorch names. */
class BatchNormTest {
  @TempDir
  Path dir;

  static final String IRIS_BN = """
      model IrisBn
      input [4]
      network {
        dense(16) -> batchnorm -> relu
        dense(3)
      }
      loss softmax_cross_entropy
      training {
        batch 8
        epochs 40
        seed 4
        optimizer adam(lr: 0.01)
      }
      data {
        train csv("data/iris.csv", label: "species")
      }
      """;

  @Test
  void evaluationUsesRunningStatisticsAndThePredictorAgrees() throws Exception {
    NnetCompiler.Compiled c = NnetCompiler.defaults().kernels(NnetCompiler.Kernels.PLAIN)
        .compile(new SourceFile("iris-bn.nnet", IRIS_BN, Samples.repo().resolve("samples")));
    Trainer t = c.newTrainer();
    Dataset all = DataLoader.load(t.spec(), c.dataDirectory()).train();
    t.fit(all, null, null);
    assertTrue(t.evaluate(all).accuracy() >= 0.93, "learned, judged in evaluation mode: " + t.evaluate(all).accuracy());
    ParamTensor rv = t.spec().tensor("batchnorm1.running_var");
    assertNotEquals(1.0, t.network().parameters().get(rv.offset()), "the running variance moved off its start");
    // one sample at a time in evaluation mode gives the same answer as a batch: no batch statistics leak in
    float[] x = java.util.Arrays.copyOfRange(all.features(), 0, 4);
    assertArrayEquals(t.predict(new float[][] {x, x, x})[0], t.predict(x));

    Path ckpt = dir.resolve("bn.ckpt");
    t.save(ckpt);
    NnetCompiler.Generated g = c.generated();
    String src = PredictorEmitter.emit(g.model(), g.layout(), "p").toString();
    Class<?> type = JaninoCompiler.compile("p.IrisBnPredictor", src).type();
    Object predictor = type.getMethod("load", java.io.InputStream.class).invoke(null, new ByteArrayInputStream(Files.readAllBytes(ckpt)));
    assertTrue(src.contains("fold batchnorm1 into dense1"), "the predictor folds batchnorm into the dense layer");
    for (int i = 0; i < 150; i += 7) {
      float[] s = java.util.Arrays.copyOfRange(all.features(), i * 4, i * 4 + 4);
      float[] want = t.predict(s), got = (float[]) type.getMethod("predict", float[].class).invoke(predictor, (Object) s);
      assertArrayEquals(want, got, 1e-5f, "sample " + i + ": folding only changes rounding");
      assertEquals(CliArgmax.of(want), CliArgmax.of(got), "sample " + i + ": the same class");
    }
  }

  @Test
  void exportsPyTorchNames() {
    NnetCompiler.Compiled c = NnetCompiler.defaults().compile(new SourceFile("iris-bn.nnet", IRIS_BN, Samples.repo().resolve("samples")));
    Map<String, Npz.Array> sd = StateDict.export(c.newNetwork());
    assertEquals(java.util.List.of("dense1.weight", "dense1.bias", "batchnorm1.weight", "batchnorm1.bias", "batchnorm1.running_mean",
        "batchnorm1.running_var", "dense2.weight", "dense2.bias"), java.util.List.copyOf(sd.keySet()));
  }

  @Test
  void aResidualNetworkLearnsIris() {
    String text = IRIS_BN.replace("""
          dense(16) -> batchnorm -> relu
        """, """
          dense(16) -> relu
          residual {
            dense(16) -> batchnorm -> relu
            dense(16)
          } -> relu
          residual(shortcut: zeros) {
            dense(24) -> tanh
          }
        """);
    assertNotEquals(IRIS_BN, text, "the layers were replaced");
    NnetCompiler.Compiled c = NnetCompiler.defaults().compile(new SourceFile("iris-res.nnet", text, Samples.repo().resolve("samples")));
    Trainer t = c.newTrainer();
    Dataset all = DataLoader.load(t.spec(), c.dataDirectory()).train();
    t.fit(all, null, null);
    assertTrue(t.evaluate(all).accuracy() >= 0.95, "residual blocks learn: " + t.evaluate(all).accuracy());
  }

  static final class CliArgmax {
    static int of(float[] p) {
      int best = 0;
      for (int i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
      return best;
    }
  }
}
