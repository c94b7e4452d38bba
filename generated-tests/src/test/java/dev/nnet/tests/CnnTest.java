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
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small CNN on real images (a tenth of Fashion-MNIST): it learns; the JDK-only predictor, which folds each
 * batchnorm into the convolution before it, agrees with the trainer; its weights travel as PyTorch's
 * state_dict ([out, in/groups, kh, kw]) and come back unchanged; a resumed run continues bit for bit.
 */
class CnnTest {
  @TempDir
  Path dir;

  static final String CNN = """
      model SmallCnn
      input [1, 28, 28]
      network {
        conv(8, kernel: 3, pad: same) -> batchnorm -> relu
        maxpool(2)
        conv(16, kernel: 3, pad: same) -> batchnorm -> relu
        maxpool(2)
        flatten
        dense(10)
      }
      loss softmax_cross_entropy
      training {
        batch 32
        epochs 2
        seed 3
        optimizer adam(lr: 2e-3)
      }
      data {
        dir   "/usr/share/datasets/fashion-mnist"
        train idx("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
        test  idx("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
        scale 1/255
      }
      """;

  static int[] range(int n) {
    return Dataset.identity(n);
  }

  @Test
  void learnsFashionMnistAndThePredictorAndStateDictAgree() throws Exception {
    Assumptions.assumeTrue(Samples.fashionMnistInstalled(), "SKIPPED: Fashion-MNIST is not installed (scripts/setup.sh)");
    NnetCompiler.Compiled c = NnetCompiler.defaults().compile(new SourceFile("small-cnn.nnet", CNN, Samples.repo().resolve("samples")));
    Trainer t = c.newTrainer();
    DataLoader.Splits data = DataLoader.load(t.spec(), c.dataDirectory());
    Dataset train = data.train().select("train6k", range(6000)), test = data.test().select("test2k", range(2000));
    t.fit(train, null, null);
    double accuracy = t.evaluate(test).accuracy();
    assertTrue(accuracy >= 0.80, "a small CNN after 2 epochs on 6,000 images: " + accuracy);

    // the predictor: plain Java, batch 1, batchnorm folded into the convolutions
    Path ckpt = dir.resolve("cnn.ckpt");
    t.save(ckpt);
    NnetCompiler.Generated g = c.generated();
    String src = PredictorEmitter.emit(g.model(), g.layout(), "p").toString();
    assertTrue(src.contains("fold batchnorm1 into conv1") && src.contains("fold batchnorm2 into conv2"), "batchnorm folded into each conv");
    Class<?> type = JaninoCompiler.compile("p.SmallCnnPredictor", src).type();
    Object predictor = type.getMethod("load", java.io.InputStream.class).invoke(null, new ByteArrayInputStream(Files.readAllBytes(ckpt)));
    for (int i = 0; i < 40; i++) {
      float[] raw = Arrays.copyOfRange(test.features(), i * 784, (i + 1) * 784);
      float[] x = raw.clone();
      float[] want = t.predict(x), got = (float[]) type.getMethod("predict", float[].class).invoke(predictor, (Object) raw);
      assertArrayEquals(want, got, 2e-4f, "sample " + i + ": the predictor computes what the trainer does");
    }

    // PyTorch's state_dict: names and shapes, and a round trip into a fresh network
    Map<String, Npz.Array> sd = StateDict.export(t.network());
    assertEquals(List.of("conv1.weight", "conv1.bias", "batchnorm1.weight", "batchnorm1.bias", "batchnorm1.running_mean", "batchnorm1.running_var",
        "conv2.weight", "conv2.bias", "batchnorm2.weight", "batchnorm2.bias", "batchnorm2.running_mean", "batchnorm2.running_var",
        "dense1.weight", "dense1.bias"), List.copyOf(sd.keySet()));
    assertArrayEquals(new int[] {16, 8, 3, 3}, sd.get("conv2.weight").shape());
    assertArrayEquals(new int[] {10, 784}, sd.get("dense1.weight").shape());
    Path npz = dir.resolve("cnn.npz");
    StateDict.save(t.network(), Map.of(), npz);
    Trainer fresh = c.newTrainer();
    StateDict.load(fresh.network(), npz);
    for (int i = 0; i < 10; i++) {
      float[] x = Arrays.copyOfRange(test.features(), i * 784, (i + 1) * 784);
      assertArrayEquals(t.predict(x), fresh.predict(x), "sample " + i + " after the .npz round trip");
    }
  }

  @Test
  void aResumedRunContinuesBitForBit() {
    NnetCompiler.Compiled c = NnetCompiler.defaults().compile(new SourceFile("small-cnn.nnet", CNN, Samples.repo().resolve("samples")));
    Dataset d = Dataset.random(c.newNetwork().spec(), 96, 784, new Rng(4));
    Trainer whole = c.newTrainer().epochs(4);
    whole.fit(d, null, null);
    Trainer first = c.newTrainer().epochs(2);
    first.fit(d, null, null);
    Path ckpt = dir.resolve("half.ckpt");
    first.save(ckpt);
    Trainer resumed = c.newTrainer().load(ckpt).epochs(4);
    resumed.fit(d, null, null);
    Arena a = whole.network().parameters(), b = resumed.network().parameters();
    for (int i = 0; i < a.size(); i++) assertEquals(a.get(i), b.get(i), 0.0, "parameter " + i);
  }
}
