package dev.nnet.tests;

import static org.junit.jupiter.api.Assertions.*;

import dev.nnet.NnetCompiler;
import dev.nnet.analysis.Model;
import dev.nnet.runtime.*;
import dev.nnet.syntax.CompileException;
import dev.nnet.syntax.SourceFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The defects a hostile newcomer found that gave a wrong result or lost work with exit code 0 (issue 15,
 * items 1–7), one test each; every one of them failed before its fix.
 */
class HardeningTest {
  @TempDir
  Path dir;

  private static final String STANDARDIZED_IRIS = "model IrisStd\n" + Samples.irisNetwork("batch 8\nepochs 8\nseed 3\noptimizer adam(lr: 0.01)",
      "train csv(\"iris.csv\", label: \"species\")\npreprocess standardize");

  private Path standardizedIris() throws IOException {
    Files.copy(Samples.sample("data/iris.csv"), dir.resolve("iris.csv"));
    Path file = dir.resolve("iris-std.nnet");
    Files.writeString(file, STANDARDIZED_IRIS);
    return file;
  }

  /** Item 1: a .npz carries the fitted preprocessing, so eval and predict from it equal eval and predict from the checkpoint. */
  @Test
  void npzWeightsCarryThePreprocessingStatistics() throws IOException {
    Path file = standardizedIris(), ckpt = dir.resolve("w.ckpt"), npz = dir.resolve("w.npz");
    CliTest.Run train = CliTest.nnet("train", file.toString(), "-o", ckpt.toString(), "--save-weights", npz.toString());
    assertEquals(0, train.code(), train.err());
    assertTrue(Npz.read(npz).containsKey("nnet.preprocess.mean") && Npz.read(npz).containsKey("nnet.preprocess.std"), "statistics beside the weights");

    CliTest.Run fromCkpt = CliTest.nnet("eval", file.toString(), "--weights", ckpt.toString());
    CliTest.Run fromNpz = CliTest.nnet("eval", file.toString(), "--weights", npz.toString());
    assertEquals(0, fromNpz.code(), fromNpz.err());
    assertEquals(fromCkpt.out(), fromNpz.out(), "the same inputs reach the network either way");

    Path rows = dir.resolve("rows.csv");
    Files.writeString(rows, "5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n");
    CliTest.Run p1 = CliTest.nnet("predict", file.toString(), "--weights", ckpt.toString(), "--input", rows.toString());
    CliTest.Run p2 = CliTest.nnet("predict", file.toString(), "--weights", npz.toString(), "--input", rows.toString());
    assertEquals(0, p2.code(), p2.err());
    // the checkpoint also knows the class names; the probabilities must agree
    assertEquals(p1.out().replaceAll("[a-z]+ ", ""), p2.out().replaceAll("[a-z]+ ", ""));

    // a state_dict without the statistics (e.g. written by PyTorch) is refused for a file that preprocesses
    Map<String, Npz.Array> bare = new LinkedHashMap<>(Npz.read(npz));
    bare.keySet().removeIf(k -> k.startsWith("nnet."));
    Path torch = dir.resolve("torch.npz");
    Npz.write(torch, bare, false);
    CliTest.Run refused = CliTest.nnet("eval", file.toString(), "--weights", torch.toString());
    assertEquals(1, refused.code());
    assertTrue(refused.err().contains("has no preprocessing statistics") && refused.err().contains("preprocess standardize"), refused.err());
    // as a starting point for training, it is fine: training fits the statistics itself
    assertEquals(0, CliTest.nnet("train", file.toString(), "-o", dir.resolve("t.ckpt").toString(), "--init-weights", torch.toString(), "--steps", "2").code());
  }

  /** Item 2: nothing replaces a trained checkpoint with a less trained one unless asked. */
  @Test
  void aTrainedCheckpointIsNeverReplacedByALessTrainedOne() throws IOException {
    String iris = CliTest.iris();
    Path ckpt = dir.resolve("iris.ckpt");
    assertEquals(0, CliTest.nnet("train", iris, "--epochs", "3", "-o", ckpt.toString()).code());
    byte[] trained = Files.readAllBytes(ckpt);
    assertEquals(54, Checkpoint.stepsIn(ckpt));

    for (String[] bad : new String[][] {{"--steps", "0"}, {"--steps", "-5"}, {"--epochs", "0"}, {"--epochs", "-1"}}) {
      CliTest.Run r = CliTest.nnet("train", iris, "-o", ckpt.toString(), bad[0], bad[1]);
      assertEquals(2, r.code(), "a command-line error: " + String.join(" ", bad) + "\n" + r.err());
      assertTrue(r.err().contains(bad[0] + " must be at least 1, got " + bad[1]), r.err());
    }
    CliTest.Run fresh = CliTest.nnet("train", iris, "--steps", "1", "-o", ckpt.toString());
    assertEquals(1, fresh.code());
    assertTrue(fresh.err().contains("already holds a model trained for 54 steps") && fresh.err().contains("--overwrite"), fresh.err());
    assertArrayEquals(trained, Files.readAllBytes(ckpt), "the trained checkpoint is untouched");

    Path notACheckpoint = dir.resolve("notes.txt");
    Files.writeString(notACheckpoint, "my notes");
    assertEquals(1, CliTest.nnet("train", iris, "--steps", "1", "-o", notACheckpoint.toString()).code());
    assertEquals("my notes", Files.readString(notACheckpoint));

    assertEquals(0, CliTest.nnet("train", iris, "--epochs", "4", "--resume", "-o", ckpt.toString()).code(), "continuing adds steps");
    assertEquals(72, Checkpoint.stepsIn(ckpt));
    assertEquals(0, CliTest.nnet("train", iris, "--steps", "1", "--overwrite", "-o", ckpt.toString()).code());
    assertEquals(1, Checkpoint.stepsIn(ckpt));
  }

  /** Item 3: one bad value in a numeric label column is an error naming its record, never a switch to class names. */
  @Test
  void aBadLabelInANumericColumnIsAnErrorNamingItsRecord() throws IOException {
    for (String bad : new String[] {"", "-1", "0.5", "NaN", "cat", "99999999999", "Infinity"}) {
      Path csv = dir.resolve("labels.csv");
      // a blank line before the bad record: records are counted as lines of the file
      Files.writeString(csv, "a,b,y\n1,2,0\n\n3,4,1\n5,6," + bad + "\n7,8,2\n");
      DataException e = assertThrows(DataException.class, () -> CsvReader.read(csv, "y", null, false), "label '" + bad + "'");
      assertTrue(e.getMessage().startsWith(csv + ":5: label column 'y' holds '" + bad + "'"), e.getMessage());
    }
    // regression targets: the same rule
    Path csv = dir.resolve("targets.csv");
    Files.writeString(csv, "a,y\n1,0.5\n2,oops\n3,1.5\n");
    DataException e = assertThrows(DataException.class, () -> CsvReader.read(csv, "y", null, true));
    assertTrue(e.getMessage().startsWith(csv + ":3: label column 'y' holds 'oops' where its other values are numbers"), e.getMessage());

    // names: all words, or declared so
    Path words = dir.resolve("words.csv");
    Files.writeString(words, "a,y\n1,cat\n2,dog\n");
    assertEquals(java.util.List.of("cat", "dog"), CsvReader.read(words, "y", null, false).classNames());
    Path mixed = dir.resolve("mixed.csv");
    Files.writeString(mixed, "a,y\n1,7\n2,b52\n3,7\n");
    assertEquals(java.util.List.of("7", "b52"), CsvReader.read(mixed, "y", null, false, null, true).classNames());
    // and from a .nnet file
    Files.writeString(dir.resolve("m.nnet"), "input [1]\nnetwork { dense(2) }\nloss softmax_cross_entropy\n"
        + "training {\n  batch 1\n  epochs 1\n}\ndata { train csv(\"mixed.csv\", label: \"y\", class_names: true) }\n");
    Trainer t = NnetCompiler.defaults().compile(Samples.read(dir.resolve("m.nnet"))).newTrainer().dataDirectory(dir);
    t.fit();
    assertEquals(java.util.List.of("7", "b52"), t.classNames());
  }

  /** Item 4: predict refuses what training refuses: non-finite features, values beyond float32, no rows. */
  @Test
  void predictRefusesNonFiniteAndEmptyInput() throws IOException {
    String iris = CliTest.iris();
    Path ckpt = dir.resolve("iris.ckpt");
    assertEquals(0, CliTest.nnet("train", iris, "--steps", "3", "-o", ckpt.toString()).code());
    for (String bad : new String[] {"NaN", "Infinity", "-Infinity", "1e39"}) {
      Path rows = dir.resolve("rows.csv");
      Files.writeString(rows, "5.1,3.5,1.4,0.2\n6.7," + bad + ",5.2,2.3\n");
      CliTest.Run r = CliTest.nnet("predict", iris, "--weights", ckpt.toString(), "--input", rows.toString());
      assertEquals(1, r.code(), bad);
      assertTrue(r.err().contains("rows.csv:2: value 2 is '" + bad + "', not a finite number"), r.err());
      assertEquals("", r.out(), "nothing printed for the good row either: the run failed");
    }
    Path empty = dir.resolve("empty.csv");
    Files.writeString(empty, "");
    CliTest.Run r = CliTest.nnet("predict", iris, "--weights", ckpt.toString(), "--input", empty.toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("holds no rows of features"), r.err());

    Trainer t = NnetCompiler.defaults().compile(Samples.read(Samples.sample("iris.nnet"))).newTrainer();
    assertThrows(DataException.class, () -> t.predict(new float[] {1, Float.NaN, 2, 3}), "the Java API refuses them too");
  }

  /** Item 5: weights with NaN or Inf are refused when they are loaded, and nothing is changed. */
  @Test
  void nonFiniteWeightsAreRefusedOnLoad() {
    Trainer t = NnetCompiler.defaults().compile(Samples.read(Samples.sample("iris.nnet"))).newTrainer();
    for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, 1e39}) {
      Map<String, Npz.Array> sd = new LinkedHashMap<>(StateDict.export(t.network()));
      sd.get("dense2.weight").data()[7] = bad;
      Path npz = dir.resolve("nan.npz");
      Npz.write(npz, sd, true);
      double before = t.network().parameters().get(0);
      NnetException e = assertThrows(NnetException.class, () -> t.importWeights(npz));
      assertTrue(e.getMessage().contains("dense2.weight holds " + bad + " at index 7"), e.getMessage());
      assertEquals(before, t.network().parameters().get(0), "nothing was loaded");
    }
  }

  private static String checkErrors(String text) {
    CompileException e = assertThrows(CompileException.class, () -> NnetCompiler.defaults().check(SourceFile.of("big.nnet", text)));
    return e.getMessage();
  }

  /** Item 6: sizes are computed without overflow, and what cannot be allocated is refused at check with the figure. */
  @Test
  void oversizedNetworksAreRefusedAtCheckWithTheFigure() {
    String tail = "loss softmax_cross_entropy\n";
    String m = checkErrors("input [65536, 32768]\nnetwork { dense(10) }\n" + tail);
    assertTrue(m.contains("big.nnet:1:7: error: the input is too large: 2,147,483,648 values per sample"), m);
    assertFalse(m.contains("no 'input' line"), "one error, not a second spurious one: " + m);
    m = checkErrors("input [65536, 65536]\nnetwork { dense(10) }\n" + tail);
    assertTrue(m.contains("4,294,967,296 values per sample"), m);
    String eight = "dense(16384) -> ".repeat(8);
    m = checkErrors("input [16384]\nnetwork { " + eight + "dense(10) }\n" + tail);
    assertTrue(m.contains("big.nnet:2:1: error: the network is too large: 2,147,") && m.contains("more than one Java array holds"), m);
    m = checkErrors("input [1048576]\nnetwork { dense(16) -> relu -> dense(10) }\ntraining { batch 4096 }\n" + tail);
    assertTrue(m.contains("a batch of the input holds 4,294,967,296 values (4096 × 1,048,576)"), m);
    // fits in an array, not in any test JVM's heap: 4 × 268M weights, with Adam
    m = checkErrors("input [16384]\nnetwork { dense(16384) -> dense(16384) -> dense(16384) -> dense(16384) -> dense(10) }\n" + tail);
    assertTrue(m.matches("(?s).*the network needs about [0-9.]+ GiB of memory to train \\(1,07\\d,\\d{3},\\d{3} parameters.*more than this JVM's.*"), m);
    assertTrue(m.contains("JAVA_TOOL_OPTIONS=-Xmx"), m);
  }

  /** Item 7: training reports the same parameter count as check: the arena's padding and running statistics are not parameters. */
  @Test
  void trainAndCheckCountTheSameParameters() {
    SourceFile src = SourceFile.of("bn.nnet", "input [5]\nnetwork {\n  dense(17) -> batchnorm -> relu\n  dense(3)\n}\nloss softmax_cross_entropy\n");
    NnetCompiler.Compiled c = NnetCompiler.defaults().compile(src);
    Model m = c.model();
    assertEquals(5 * 17 + 17 + 2 * 17 + 17 * 3 + 3, m.parameterCount());
    assertEquals(m.parameterCount(), c.newNetwork().spec().parameterCount());
  }

  /** Item 13: --stacktrace belongs to the subcommand and is honoured there. */
  @Test
  void stacktraceOptionPrintsTheTrace() {
    StringWriter out = new StringWriter(), err = new StringWriter();
    int code = dev.nnet.cli.Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "eval", CliTest.iris(), "--weights",
        dir.resolve("missing.ckpt").toString(), "--stacktrace");
    assertEquals(1, code);
    assertTrue(err.toString().contains("checkpoint not found") && err.toString().contains("\tat dev.nnet.runtime.Checkpoint.load"), err.toString());
  }

  // ------------------------------------------------------------------ crashes and raw stack traces (items 8–15)

  private static final String TAIL = "loss softmax_cross_entropy\n";

  /** Item 8: automatic names step around explicit ones; a name that could collide with generated names is refused. */
  @Test
  void automaticNamesAvoidExplicitOnes() {
    NnetCompiler.Compiled c = NnetCompiler.defaults().compile(SourceFile.of("n.nnet",
        "input [4]\nnetwork {\n  dense(8) as relu1 -> relu\n  relu -> dense(3)\n}\n" + TAIL));
    assertEquals(java.util.List.of("relu1", "relu2", "relu3", "dense1"), c.model().layers().stream().map(dev.nnet.analysis.Op::name).toList());
    c.newTrainer().predict(new float[] {1, 2, 3, 4});
    String m = checkErrors("input [4]\nnetwork {\n  dense(8) -> relu\n  dense(3) as relu1Out\n}\n" + TAIL);
    assertTrue(m.contains("big.nnet:4:15: error: the name 'relu1Out' may collide with the names generated for layer 'relu1'"), m);
  }

  /** Item 9: every name check accepts compiles; names that would hide java.lang classes are refused with a reason. */
  @Test
  void modelNamesThatWouldHideJavaLangAreRefused() {
    for (String name : new String[] {"Math", "System", "_", "Object"}) {
      String m = checkErrors("model " + name + "\ninput [4]\nnetwork { dense(3) }\n" + TAIL);
      assertTrue(m.contains("big.nnet:1:7: error: '" + name + "' cannot name a model"), m);
    }
    NnetCompiler.defaults().compile(SourceFile.of("ok.nnet", "model MathNet\ninput [4]\nnetwork { dense(3) }\n" + TAIL)).newNetwork();
  }

  /** Items 10 and 12: deep nesting and huge names are positioned errors, from the Java API too, never a StackOverflowError. */
  @Test
  void hostileTextIsACompileExceptionNeverAStackOverflow() {
    String residuals = "residual { ".repeat(3000) + "dense(4)" + " }".repeat(3000);
    CompileException e = assertThrows(CompileException.class, () -> dev.nnet.Nnet.compile("input [4]\nnetwork {\n  " + residuals + "\n}\n" + TAIL));
    assertTrue(e.getMessage().contains("<text>:3:705: error: brackets nested more than 64 deep"), e.getMessage());
    assertTrue(e.getMessage().length() < 1000, "the quoted line is a window around the column, not 30,000 characters");
    String parens = "(".repeat(100_000) + "1" + ")".repeat(100_000);
    e = assertThrows(CompileException.class, () -> dev.nnet.Nnet.compile("let x = " + parens + "\ninput [4]\nnetwork { dense(3) }\n" + TAIL));
    assertTrue(e.getMessage().contains("brackets nested more than 64 deep"), e.getMessage());
    String minus = "- ".repeat(200_000) + "1";
    assertThrows(CompileException.class, () -> dev.nnet.Nnet.compile("let x = " + minus + "\ninput [4]\nnetwork { dense(3) }\n" + TAIL));
    String longName = "M".repeat(5_000_000);
    e = assertThrows(CompileException.class, () -> dev.nnet.Nnet.compile("model " + longName + "\ninput [4]\nnetwork { dense(3) }\n" + TAIL));
    assertTrue(e.getMessage().contains("a name of 5000000 characters; at most 100 are allowed"), e.getMessage().substring(0, 300));
    // 64 levels are fine
    String deep = "residual { ".repeat(20) + "dense(4)" + " }".repeat(20);
    NnetCompiler.defaults().check(SourceFile.of("deep.nnet", "input [4]\nnetwork {\n  " + deep + "\n  dense(3)\n}\n" + TAIL));
  }

  /** A swapped pair of letters is one edit away: "rleu" gets "did you mean 'relu'?". */
  @Test
  void didYouMeanCountsASwapAsOneEdit() {
    String m = checkErrors("input [4]\nnetwork { dense(8) -> rleu -> dense(3) }\n" + TAIL);
    assertTrue(m.contains("unknown layer 'rleu'") && m.contains("did you mean 'relu'?"), m);
  }

  /** A UTF-8 byte-order mark is accepted; an unknown loss is one error, not two. */
  @Test
  void byteOrderMarkAndOneErrorForAnUnknownLoss() {
    NnetCompiler.defaults().check(SourceFile.of("bom.nnet", "\uFEFFinput [4]\nnetwork { dense(3) }\n" + TAIL));
    String m = checkErrors("input [4]\nnetwork { dense(3) }\nloss crossentropy\n");
    assertFalse(m.contains("no 'loss' line"), m);
    assertTrue(m.endsWith("1 error") || m.contains("crossentropy"), m);
  }

  /** Item 14: generate refuses a file as -o and a package with a keyword; a failed write leaves the old file whole. */
  @Test
  void generateRefusesBadTargetsAndWritesAtomically() throws IOException {
    Path file = dir.resolve("Existing.java");
    Files.writeString(file, "class Existing {}");
    CliTest.Run r = CliTest.nnet("generate", CliTest.iris(), "-o", file.toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("is a file; -o takes the folder"), r.err());
    r = CliTest.nnet("generate", CliTest.iris(), "-o", dir.toString(), "--package", "class.x");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("'class.x' is not a Java package name (a part of it is a Java keyword)"), r.err());

    // a write that fails half-way (as on a full disk) leaves the previous content and no temporary file
    NnetException e = assertThrows(NnetException.class, () -> AtomicFile.write(file, "the generated source", tmp -> {
      Files.writeString(tmp, "class Half");
      throw new IOException("No space left on device");
    }));
    assertTrue(e.getMessage().contains("No space left on device") && e.hint().contains("the previous file is unchanged"), e.getMessage());
    assertEquals("class Existing {}", Files.readString(file));
    try (var files = Files.list(dir)) {
      assertEquals(java.util.List.of(file), files.toList(), "no temporary file left");
    }
  }

  /** Item 15: a second training into the same checkpoint is refused while the first holds it; a killed run's temporaries are removed. */
  @Test
  void aCheckpointIsLockedWhileTrainingAndStaleTemporariesGo() throws IOException {
    Path ckpt = dir.resolve("iris.ckpt");
    Path stale = dir.resolve("iris.ckpt4711.tmp"), other = dir.resolve("other.ckpt4711.tmp");
    Files.write(stale, new byte[1000]);
    Files.write(other, new byte[10]);
    Trainer t = NnetCompiler.defaults().compile(Samples.read(Samples.sample("iris.nnet"))).newTrainer().checkpointTo(ckpt).maxSteps(3);
    try (Checkpoint.Lock held = Checkpoint.lock(ckpt)) {
      assertFalse(Files.exists(stale), "the leftover of a killed write is removed");
      assertTrue(Files.exists(other), "another checkpoint's files are not touched");
      NnetException e = assertThrows(NnetException.class, t::fit);
      assertTrue(e.getMessage().contains("already training into") || e.getMessage().contains("another training is writing"), e.getMessage());
      assertFalse(Files.exists(ckpt));
    }
    t.fit();
    assertEquals(3, Checkpoint.stepsIn(ckpt));
    assertFalse(Files.exists(dir.resolve("iris.ckpt.lock")), "the lock file goes with the training");
  }

  /** Item 20: the JDK-only predictor applies the stored preprocessing and predicts what the trainer predicts, bit for bit. */
  @Test
  void thePredictorAppliesEveryPreprocessing() throws Exception {
    standardizedIris();
    for (String pre : new String[] {"standardize", "center", "pca(3)", "whiten(2, eps: 1e-3)", "zca(eps: 0.1)"}) {
      SourceFile src = new SourceFile("iris-pre.nnet", STANDARDIZED_IRIS.replace("preprocess standardize", "preprocess " + pre), dir);
      NnetCompiler.Compiled c = NnetCompiler.defaults().kernels(NnetCompiler.Kernels.PLAIN).compile(src);
      Trainer t = c.newTrainer().maxSteps(20);
      t.fit();
      Path ckpt = dir.resolve("pre.ckpt");
      t.save(ckpt);
      String code = dev.nnet.emit.PredictorEmitter.emit(c.model(), c.generated().layout(), "p").toString();
      Class<?> type = dev.nnet.compile.JaninoCompiler.compile("p.IrisStdPredictor", code).type();
      Object predictor = type.getMethod("load", java.io.InputStream.class).invoke(null, Files.newInputStream(ckpt));
      assertEquals(4, type.getField("INPUTS").getInt(null), "the predictor takes raw features");
      Dataset data = DataLoader.load(t.spec(), dir).train();
      for (int i = 0; i < data.rows(); i += 13) {
        float[] x = java.util.Arrays.copyOfRange(data.features(), i * 4, i * 4 + 4);
        float[] got = (float[]) type.getMethod("predict", float[].class).invoke(predictor, (Object) x);
        assertArrayEquals(t.predict(x), got, pre + ", sample " + i);
      }
    }
  }

  /** Item 16: precision float64 reads and keeps the data in float64: 0.1 is 0.1, scaled and preprocessed in float64. */
  @Test
  void float64IsFloat64EndToEndDataIncluded() throws IOException {
    Files.writeString(dir.resolve("tenth.csv"), "x,y\n0.1,0\n0.1,0\n");
    for (String extra : new String[] {"", "  scale 0.3\n", "  preprocess center\n"}) {
      Files.writeString(dir.resolve("f64.nnet"), "input [1]\nprecision float64\nnetwork { dense(1) }\nloss mse\ntraining {\n  batch 2\n}\n"
          + "data {\n  train csv(\"tenth.csv\", label: \"y\")\n" + extra + "}\n");
      Trainer t = NnetCompiler.defaults().compile(Samples.read(dir.resolve("f64.nnet"))).newTrainer().dataDirectory(dir);
      Arena p = t.network().parameters();
      p.set(t.spec().tensor("dense1.weight").offset(), 1);
      p.set(t.spec().tensor("dense1.bias").offset(), 0);
      t.network().parametersChanged();
      Dataset data = DataLoader.load(t.spec(), dir).train();
      assertNotNull(data.wideFeatures(), "a float64 network keeps the data in float64");
      double x = extra.contains("scale") ? 0.1 * 0.3 : extra.contains("center") ? 0.0 : 0.1;
      if (extra.contains("center")) t.maxSteps(1).fit(); // fits the preprocessing: the mean of 0.1 and 0.1, removed exactly
      if (extra.contains("center")) {
        p.set(t.spec().tensor("dense1.weight").offset(), 1);
        p.set(t.spec().tensor("dense1.bias").offset(), 0);
        t.network().parametersChanged();
      }
      assertEquals(x * x, t.evaluate(data).loss(), 0.0, "loss " + extra.strip());
    }
    assertEquals(0.010000000000000002, 0.1 * 0.1, 0.0);
  }

  /** A sigmoid loss shows accuracy in the epoch lines, and predict prints the class (one output) or the labels (several). */
  @Test
  void sigmoidLossesShowAccuracyAndPredictClasses() throws IOException {
    java.util.List<String> lines = Files.readAllLines(Samples.sample("data/iris.csv"));
    StringBuilder csv = new StringBuilder("a,b,c,d,setosa\n");
    for (String l : lines.subList(1, lines.size())) {
      if (l.isBlank()) continue;
      csv.append(l, 0, l.lastIndexOf(',')).append(',').append(l.endsWith("setosa") ? 1 : 0).append('\n');
    }
    Files.writeString(dir.resolve("setosa.csv"), csv);
    Path rows = dir.resolve("rows.csv");
    Files.writeString(rows, "5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n");
    for (String out : new String[] {"1", "2"}) {
      Files.writeString(dir.resolve("bin.nnet"), "input [4]\nnetwork {\n  dense(8) -> tanh\n  dense(" + out + ")\n}\nloss sigmoid_cross_entropy\n"
          + "training {\n  batch 10\n  epochs 15\n  optimizer adam(lr: 0.05)\n}\ndata {\n  train csv(\"setosa.csv\", label: \"setosa\")\n}\n");
      Path ckpt = dir.resolve("bin" + out + ".ckpt");
      CliTest.Run train = CliTest.nnet("train", dir.resolve("bin.nnet").toString(), "-o", ckpt.toString());
      assertEquals(0, train.code(), train.err());
      assertTrue(train.err().contains("epoch 15/15") && train.err().matches("(?s).*epoch 15/15 .*acc 1\\.0000.*"), train.err());
      CliTest.Run predict = CliTest.nnet("predict", dir.resolve("bin.nnet").toString(), "--weights", ckpt.toString(), "--input", rows.toString());
      assertEquals(0, predict.code(), predict.err());
      String[] printed = predict.out().strip().split("\n");
      // two outputs with labels 0/1 are one-hot: a setosa has label 1 on, the other label 0
      assertTrue(printed[0].startsWith("1  "), predict.out());
      assertTrue(printed[1].startsWith(out.equals("1") ? "0  " : "0  "), predict.out());
    }
  }
}
