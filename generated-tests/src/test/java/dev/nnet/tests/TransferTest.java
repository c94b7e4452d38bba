package dev.nnet.tests;

import static org.junit.jupiter.api.Assertions.*;

import dev.nnet.NnetCompiler;
import dev.nnet.runtime.Arena;
import dev.nnet.runtime.Dataset;
import dev.nnet.runtime.Network;
import dev.nnet.runtime.ParamTensor;
import dev.nnet.runtime.Trainer;
import dev.nnet.syntax.CompileException;
import dev.nnet.syntax.SourceFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** from "base.npz" load ...: the named layers start from the base model's weights, the others from their init. */
class TransferTest {
  static final String BASE = """
      model Base
      input [1, 6, 6]
      network {
        conv(4, kernel: 3, pad: 1) as features -> batchnorm as norm -> relu
        flatten
        dense(8) as hidden -> tanh
        dense(3) as scores
      }
      loss softmax_cross_entropy
      training {
        batch 8
        seed 2
      }
      """;

  static Dataset data(int classes, long seed) {
    Random r = new Random(seed);
    float[] x = new float[64 * 36];
    int[] y = new int[64];
    for (int i = 0; i < x.length; i++) x[i] = r.nextFloat();
    for (int i = 0; i < y.length; i++) y[i] = r.nextInt(classes);
    return Dataset.classification("random", 36, x, y, classes);
  }

  static double[] tensor(Network net, String name) {
    ParamTensor t = net.spec().tensor(name);
    Arena p = net.parameters();
    double[] v = new double[t.size()];
    for (int i = 0; i < v.length; i++) v[i] = p.get(t.offset() + i);
    return v;
  }

  Path base(Path dir) {
    Trainer base = NnetCompiler.defaults().compile(SourceFile.of("base.nnet", BASE)).newTrainer().epochs(2);
    base.fit(data(3, 1), null, null);
    Path npz = dir.resolve("base.npz");
    base.exportWeights(npz);
    return npz;
  }

  static SourceFile file(Path dir, String name, String text) throws Exception {
    return SourceFile.read(Files.writeString(dir.resolve(name), text));
  }

  @Test
  void theNamedLayersStartFromTheBaseModel(@TempDir Path dir) throws Exception {
    Network baseNet = NnetCompiler.defaults().compile(SourceFile.of("base.nnet", BASE)).newNetwork();
    base(dir);
    dev.nnet.runtime.StateDict.load(baseNet, dir.resolve("base.npz"));
    String fine = BASE.replace("model Base", "model Fine\nfrom \"base.npz\" load all except scores").replace("dense(3) as scores", "dense(2) as scores");
    NnetCompiler.Compiled c = NnetCompiler.defaults().compile(file(dir, "fine.nnet", fine));
    Trainer t = c.newTrainer().maxSteps(0);
    Network fresh = c.newNetwork();
    fresh.initialize(2);
    t.fit(data(2, 5), null, null);
    for (String name : new String[] {"features.weight", "features.bias", "norm.weight", "norm.running_mean", "norm.running_var", "hidden.weight", "hidden.bias"}) {
      assertArrayEquals(tensor(baseNet, name), tensor(t.network(), name), name + " comes from base.npz");
    }
    assertArrayEquals(tensor(fresh, "scores.weight"), tensor(t.network(), "scores.weight"), "scores keeps its own initialization");

    t.maxSteps(Long.MAX_VALUE).epochs(2).fit(data(2, 5), null, null);
    assertFalse(java.util.Arrays.equals(tensor(baseNet, "hidden.weight"), tensor(t.network(), "hidden.weight")), "and then it trains");
  }

  /** A checkpoint names its tensors, so it loads like the .npz of the same weights. */
  @Test
  void aCheckpointLoadsLikeItsNpz(@TempDir Path dir) throws Exception {
    Trainer base = NnetCompiler.defaults().compile(SourceFile.of("base.nnet", BASE)).newTrainer().epochs(2);
    base.fit(data(3, 1), null, null);
    base.save(dir.resolve("base.ckpt"));
    base.exportWeights(dir.resolve("base.npz"));
    var fromCkpt = dev.nnet.runtime.StateDict.tensorsIn(dir.resolve("base.ckpt"));
    var fromNpz = dev.nnet.runtime.StateDict.tensorsIn(dir.resolve("base.npz"));
    assertEquals(fromNpz.keySet(), fromCkpt.keySet());
    for (String k : fromNpz.keySet()) {
      assertArrayEquals(fromNpz.get(k).shape(), fromCkpt.get(k).shape(), k);
      assertArrayEquals(fromNpz.get(k).data(), fromCkpt.get(k).data(), k + ": the same values, in PyTorch's layout");
    }
    String fine = BASE.replace("model Base", "model Fine\nfrom \"base.ckpt\" load all except scores").replace("dense(3) as scores", "dense(2) as scores");
    Trainer t = NnetCompiler.defaults().compile(file(dir, "fine.nnet", fine)).newTrainer().maxSteps(0);
    t.fit(data(2, 5), null, null);
    assertArrayEquals(tensor(base.network(), "hidden.weight"), tensor(t.network(), "hidden.weight"));
    assertArrayEquals(tensor(base.network(), "norm.running_var"), tensor(t.network(), "norm.running_var"));
    Trainer again = NnetCompiler.defaults().compile(SourceFile.of("base.nnet", BASE)).newTrainer().load(dir.resolve("base.ckpt"));
    assertArrayEquals(tensor(base.network(), "hidden.weight"), tensor(again.network(), "hidden.weight"), "and it still loads as a checkpoint");
  }

  /** A checkpoint written before checkpoints named their tensors: it still loads into its own network, and transfer says why it cannot. */
  @Test
  void aCheckpointWithoutItsDirectoryStillLoads(@TempDir Path dir) throws Exception {
    Trainer base = NnetCompiler.defaults().compile(SourceFile.of("base.nnet", BASE)).newTrainer().epochs(1);
    base.fit(data(3, 1), null, null);
    Path ckpt = dir.resolve("base.ckpt");
    base.save(ckpt);
    byte[] all = Files.readAllBytes(ckpt);
    byte[] marker = java.nio.ByteBuffer.allocate(8).putLong(0x4E4E455444495231L).array();
    int at = -1;
    for (int i = all.length - 9; i >= 0 && at < 0; i--) if (java.util.Arrays.equals(all, i, i + 8, marker, 0, 8)) at = i;
    assertTrue(at > 0, "the directory is there");
    byte[] old = java.util.Arrays.copyOf(all, at + 8);
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(old, 0, at);
    java.nio.ByteBuffer.wrap(old, at, 8).putLong(crc.getValue());
    Path oldCkpt = dir.resolve("old.ckpt");
    Files.write(oldCkpt, old);
    Trainer again = NnetCompiler.defaults().compile(SourceFile.of("base.nnet", BASE)).newTrainer().load(oldCkpt);
    assertArrayEquals(tensor(base.network(), "hidden.weight"), tensor(again.network(), "hidden.weight"));
    String msg = assertThrows(CompileException.class, () -> NnetCompiler.defaults().check(file(dir, "f.nnet",
        BASE.replace("model Base", "model Fine\nfrom \"old.ckpt\" load hidden")))).getMessage();
    assertTrue(msg.contains("does not name its tensors"), msg);
  }

  @Test
  void frozenLayersKeepTheBaseWeightsWhileTheRestLearns(@TempDir Path dir) throws Exception {
    Network baseNet = NnetCompiler.defaults().compile(SourceFile.of("base.nnet", BASE)).newNetwork();
    base(dir);
    dev.nnet.runtime.StateDict.load(baseNet, dir.resolve("base.npz"));
    String fine = BASE.replace("model Base", "model Fine\nfrom \"base.npz\" load features, norm, hidden\nfreeze features, norm, hidden")
        .replace("dense(3) as scores", "dense(2) as scores");
    Trainer t = NnetCompiler.defaults().compile(file(dir, "fine.nnet", fine)).newTrainer().epochs(2);
    double[] scoresBefore = tensor(t.network(), "scores.weight");
    t.fit(data(2, 5), null, null);
    for (String name : new String[] {"features.weight", "features.bias", "norm.weight", "norm.bias", "norm.running_mean", "norm.running_var",
        "hidden.weight", "hidden.bias"}) {
      assertArrayEquals(tensor(baseNet, name), tensor(t.network(), name), name + " is frozen at base.npz's values");
    }
    assertFalse(java.util.Arrays.equals(scoresBefore, tensor(t.network(), "scores.weight")), "scores learns");
    String msg = assertThrows(CompileException.class, () -> NnetCompiler.defaults().check(file(dir, "e.nnet",
        BASE.replace("model Base", "model Fine\nfreeze relu1, nothing")))).getMessage();
    assertTrue(msg.contains("'relu1' cannot be frozen") && msg.contains("no layer named 'nothing'"), msg);
  }

  /**
   * unfreeze hidden at epoch 2: hidden keeps the base weights through epoch 1, then learns, its Adam steps
   * counted from its own first (each weight's first step is lr·sign(g), not the 0.74·lr the global step 2 would
   * give); features stays frozen throughout; a run resumed after the unfreeze continues bit for bit.
   */
  @Test
  void unfrozenLayersLearnFromTheirEpochWithFreshAdamSteps(@TempDir Path dir) throws Exception {
    base(dir);
    String fine = BASE.replace("model Base", "model Fine\nfrom \"base.npz\" load features, hidden\nfreeze features, hidden\nunfreeze hidden at epoch 2")
        .replace("batch 8", "batch 8\n  epochs 3");
    NnetCompiler.Compiled c = NnetCompiler.defaults().compile(file(dir, "fine.nnet", fine));
    Dataset oneBatch = data(3, 5).select("one batch", Dataset.identity(8));
    java.util.List<double[]> hiddenAfterEpoch = new java.util.ArrayList<>();
    java.util.List<Integer> unfrozeAt = new java.util.ArrayList<>();
    Trainer t = c.newTrainer();
    t.listener(new dev.nnet.runtime.TrainingListener() {
      @Override
      public void onEpoch(dev.nnet.runtime.EpochResult r) {
        hiddenAfterEpoch.add(tensor(t.network(), "hidden.weight"));
      }

      @Override
      public void onUnfreeze(int epoch, java.util.List<String> layers) {
        unfrozeAt.add(epoch);
        assertEquals(java.util.List.of("hidden"), layers);
      }
    });
    Network baseNet = NnetCompiler.defaults().compile(SourceFile.of("base.nnet", BASE)).newNetwork();
    dev.nnet.runtime.StateDict.load(baseNet, dir.resolve("base.npz"));
    double[] base = tensor(baseNet, "hidden.weight");
    t.fit(oneBatch, null, null);
    assertEquals(java.util.List.of(2), unfrozeAt);
    assertArrayEquals(base, hiddenAfterEpoch.get(0), "frozen through epoch 1");
    int moved = 0;
    for (int i = 0; i < base.length; i++) {
      double step = Math.abs(hiddenAfterEpoch.get(1)[i] - base[i]);
      if (step == 0) continue;
      moved++;
      assertEquals(1e-3, step, 2e-5, "Adam's first step for hidden is lr·sign(g): its steps count from the unfreeze");
    }
    assertTrue(moved > base.length / 2, "hidden learns from epoch 2: " + moved + " of " + base.length + " weights moved");
    assertArrayEquals(tensor(baseNet, "features.weight"), tensor(t.network(), "features.weight"), "features stays frozen");

    Path ckpt = dir.resolve("fine.ckpt");
    Trainer first = c.newTrainer().epochs(2).checkpointTo(ckpt);
    first.fit(oneBatch, null, null);
    Trainer resumed = c.newTrainer().load(ckpt).epochs(3);
    resumed.fit(oneBatch, null, null);
    assertArrayEquals(tensor(t.network(), "hidden.weight"), tensor(resumed.network(), "hidden.weight"), "resumed after the unfreeze");
  }

  @Test
  void unfreezeMistakesArePositionedErrors(@TempDir Path dir) throws Exception {
    base(dir);
    String head = "model Fine\nfreeze features, norm\n";
    String[][] cases = {
        {"unfreeze hidden at epoch 2", "f.nnet:3:10: error: 'hidden' is not frozen, so there is nothing to unfreeze"},
        {"unfreeze features at epoch 1", "f.nnet:3:28: error: unfreeze at epoch 1 leaves nothing frozen"},
        {"unfreeze features at epoch 999", "unfreeze at epoch 999, but training runs "},
        {"unfreeze norm at epoch 2", "a frozen batchnorm stays frozen"},
        {"unfreeze featurs at epoch 2", "no layer named 'featurs'"},
        {"unfreeze features", "unfreeze needs the epoch from which the layers learn"},
        {"unfreeze features after epoch 2", "f.nnet:3:19: error: expected 'at', found 'after'"},
    };
    for (String[] k : cases) {
      String msg = assertThrows(CompileException.class, () -> NnetCompiler.defaults().check(file(dir, "f.nnet",
          BASE.replace("model Base\n", head + k[0] + "\n")))).getMessage();
      assertTrue(msg.contains(k[1]), k[0] + " -> " + msg);
    }
  }

  @Test
  void whatCannotBeLoadedIsAPositionedErrorAtCheck(@TempDir Path dir) throws Exception {
    base(dir);
    String wider = BASE.replace("model Base", "model Fine\nfrom \"base.npz\" load hidden, scores").replace("dense(8) as hidden", "dense(10) as hidden");
    String msg = assertThrows(CompileException.class, () -> NnetCompiler.defaults().check(file(dir, "a.nnet", wider))).getMessage();
    assertTrue(msg.contains("a.nnet:2:22: error: 'base.npz' holds hidden.weight as [8, 144]; hidden needs [10, 144]"), msg);
    assertTrue(msg.contains("'base.npz' holds scores.weight as [3, 8]; scores needs [3, 10]"), msg);

    String unknown = BASE.replace("model Base", "model Fine\nfrom \"base.npz\" load hiden");
    msg = assertThrows(CompileException.class, () -> NnetCompiler.defaults().check(file(dir, "b.nnet", unknown))).getMessage();
    assertTrue(msg.contains("no layer named 'hiden'") && msg.contains("the layers with weights: features, norm, hidden, scores"), msg);

    String other = BASE.replace("model Base", "model Fine\nfrom \"base.txt\" load hidden");
    msg = assertThrows(CompileException.class, () -> NnetCompiler.defaults().check(file(dir, "c.nnet", other))).getMessage();
    assertTrue(msg.contains("'base.txt' is neither a checkpoint (.ckpt) nor a .npz state_dict"), msg);

    String missing = BASE.replace("model Base", "model Fine\nfrom \"nothing.npz\" load hidden");
    msg = assertThrows(CompileException.class, () -> NnetCompiler.defaults().check(file(dir, "d.nnet", missing))).getMessage();
    assertTrue(msg.contains("d.nnet:2:6: error:"), msg);
  }

  /** The committed fine-tuning sample loads exactly what the committed base sample writes. */
  @Test
  void theFineTuningSampleFitsTheBaseSample(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("shared"));
    Files.copy(Samples.sample("shared/fashion-data.nnet"), dir.resolve("shared/fashion-data.nnet"));
    for (String f : new String[] {"fashion-base.nnet", "fashion-finetune.nnet", "fashion-scratch.nnet"}) Files.copy(Samples.sample(f), dir.resolve(f));
    Network base = NnetCompiler.defaults().compile(SourceFile.read(dir.resolve("fashion-base.nnet"))).newNetwork();
    base.initialize(1);
    dev.nnet.runtime.StateDict.save(base, java.util.Map.of(), dir.resolve("fashion-base.npz"));
    var fine = NnetCompiler.defaults().check(SourceFile.read(dir.resolve("fashion-finetune.nnet")));
    assertEquals(java.util.List.of("conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "conv2.weight",
        "conv2.bias", "bn2.weight", "bn2.bias", "bn2.running_mean", "bn2.running_var", "hidden.weight", "hidden.bias"), fine.plan().transfers().get(0).tensors());
    assertEquals(java.util.List.of(5, 6, 7, 8, 9), fine.plan().data().classes());
    assertEquals(100, fine.plan().data().perClass());
    var scratch = NnetCompiler.defaults().check(SourceFile.read(dir.resolve("fashion-scratch.nnet")));
    assertEquals(fine.layers().stream().map(o -> o.describe().replace(", frozen: true", "")).toList(),
        scratch.layers().stream().map(o -> o.describe()).toList(), "the comparison trains the same network, all of it");
    assertEquals(fine.plan().data(), scratch.plan().data());
  }

  @Test
  void classesAndPerClassSelectAndRelabel() {
    Dataset d = Dataset.classification("d", 1, new float[] {0, 1, 2, 3, 4, 5, 6, 7}, new int[] {3, 1, 3, 2, 1, 3, 2, 0}, 4);
    Dataset kept = d.keepClasses(java.util.List.of(3, 2));
    assertArrayEquals(new int[] {0, 0, 1, 0, 1}, kept.labels(), "3 becomes 0, 2 becomes 1, in file order");
    assertArrayEquals(new float[] {0, 2, 3, 5, 6}, kept.features());
    assertEquals(2, kept.classes());
    assertArrayEquals(new int[] {0, 0, 1, 1}, kept.firstPerClass(2).labels(), "the first two of each class");
  }

  /** lr_scale: a layer's tensors move as with that multiple of the rate (a PyTorch parameter group); 0 holds them. */
  @Test
  void learningRateScalesPerLayer() {
    for (String optimizer : new String[] {"sgd(lr: 0.1)", "sgd(lr: 0.1, momentum: 0.9)", "adam(lr: 0.01)", "adamw(lr: 0.01, weight_decay: 0.1)"}) {
      String plain = "input [4]\nprecision float64\nnetwork {\n  dense(5) as a -> tanh\n  dense(4) as b -> tanh\n  dense(3) as c\n}\n"
          + "loss softmax_cross_entropy\ntraining {\n  batch 8\n  optimizer " + optimizer + "\n}\n";
      String scaled = plain.replace("dense(5) as a", "dense(5, lr_scale: 0.5) as a").replace("dense(4) as b", "dense(4, lr_scale: 0) as b");
      double[][] before = new double[2][], after = new double[2][];
      String[] texts = {plain, scaled};
      for (int k = 0; k < 2; k++) {
        Network net = NnetCompiler.defaults().compile(SourceFile.of("lr.nnet", texts[k])).newNetwork();
        net.setThreads(1);
        net.initialize(3);
        Random r = new Random(9);
        float[] x = new float[8 * 4];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        net.stage(Dataset.classification("x", 4, x, new int[] {0, 1, 2, 0, 1, 2, 0, 1}, 3), Dataset.identity(8), 0, 8, 1.0);
        before[k] = concat(tensor(net, "a.weight"), tensor(net, "b.weight"), tensor(net, "c.weight"));
        net.trainStep(0.1 * (optimizer.startsWith("sgd") ? 1 : 0.1));
        after[k] = concat(tensor(net, "a.weight"), tensor(net, "b.weight"), tensor(net, "c.weight"));
      }
      assertArrayEquals(before[0], before[1], "the same start");
      for (int i = 0; i < before[0].length; i++) {
        double full = after[0][i] - before[0][i], got = after[1][i] - before[1][i];
        double want = i < 20 ? 0.5 * full : i < 40 ? 0 : full; // a: half the step; b: none; c: the whole
        if (!optimizer.startsWith("adamw")) assertEquals(want, got, 1e-12 + 1e-9 * Math.abs(full), optimizer + " element " + i);
      }
      if (optimizer.startsWith("adamw")) {
        // AdamW: p(1 - lr·s·wd) − lr·s·m̂/(√v̂ + ε); with the same gradient, the scaled step is exactly that formula at s = 0.5 and 0
        for (int i = 0; i < 40; i++) {
          double sc = i < 20 ? 0.5 : 0, lr = 0.01, p = before[0][i];
          double adamStep = (p * (1 - lr * 0.1) - after[0][i]) / lr; // m̂/(√v̂ + ε) from the unscaled run
          assertEquals(p * (1 - lr * sc * 0.1) - lr * sc * adamStep, after[1][i], 1e-12, "adamw element " + i);
        }
      }
    }
  }

  static double[] concat(double[]... parts) {
    return java.util.Arrays.stream(parts).flatMapToDouble(java.util.Arrays::stream).toArray();
  }
}
