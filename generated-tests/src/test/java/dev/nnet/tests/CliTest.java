package dev.nnet.tests;

import static org.junit.jupiter.api.Assertions.*;

import dev.nnet.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line, run in-process: outputs, exit codes, and never a stack trace. */
class CliTest {
  @TempDir
  Path dir;

  record Run(int code, String out, String err) {}

  static Run nnet(String... args) {
    StringWriter out = new StringWriter(), err = new StringWriter();
    int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    Run r = new Run(code, out.toString(), err.toString());
    assertFalse(r.err.contains("\tat ") || r.err.contains("Exception"), () -> "a stack trace reached the user:\n" + r.err);
    return r;
  }

  static String iris() {
    return Samples.sample("iris.nnet").toString();
  }

  @Test
  void checkPrintsTheResolvedModel() {
    Run r = nnet("check", iris());
    assertEquals(0, r.code, r.err);
    assertTrue(r.out.contains("dense1") && r.out.contains("xavier_uniform") && r.out.contains("[16]"), r.out);
    assertTrue(r.out.contains("total parameters: 131"), r.out);
    assertTrue(r.out.contains("adam(lr: 0.01, beta1: 0.9, beta2: 0.999"), "defaults are filled in: " + r.out);
    for (String d : new String[] {"label_smoothing 0", "weight_decay 0, l1 0, clip_value off, clip_norm off", "schedule    constant",
        "stopping    none (all epochs)", "stratify false, folds 0", "preprocess  none", "augment     none"}) {
      assertTrue(r.out.contains(d), "every default is shown (" + d + "): " + r.out);
    }
    Run fashion = nnet("check", Samples.sample("fashion-mlp.nnet").toString());
    assertTrue(fashion.out.contains("plateau(patience: 1, factor: 0.3, min: 0, threshold: 0.0001, monitor: val_loss)")
        && fashion.out.contains("early_stopping(monitor: val_loss, patience: 5, min_delta: 0, restore_best: true)")
        && fashion.out.contains("preprocess  standardize"), fashion.out);
  }

  @Test
  void checkOfABadFileIsPositionedAndExitsOne() {
    Run r = nnet("check", "src/test/resources/errors/dropout-too-high.nnet");
    assertEquals(1, r.code);
    assertTrue(r.err.contains("dropout-too-high.nnet:4:31: error: dropout probability must be in [0, 1), got 1.2"), r.err);
    assertTrue(r.err.contains("hint: dropout(p) takes the probability of DROPPING a unit"), r.err);
    assertTrue(r.err.contains("1 error"), r.err);
  }

  @Test
  void missingFilesAndBadOptions() {
    Run missing = nnet("check", dir.resolve("nope.nnet").toString());
    assertEquals(1, missing.code);
    assertTrue(missing.err.startsWith("error: no such file"), missing.err);
    assertEquals(2, nnet("check", iris(), "--frobnicate").code);
    Run help = nnet("--help");
    assertEquals(0, help.code);
    for (String cmd : new String[] {"check", "train", "eval", "predict", "generate"}) assertTrue(help.out.contains(cmd), help.out);
  }

  @Test
  void trainEvalPredict() throws IOException {
    Path ckpt = dir.resolve("iris.ckpt");
    Run train = nnet("train", iris(), "--epochs", "30", "-o", ckpt.toString(), "--json");
    assertEquals(0, train.code, train.err);
    String[] lines = train.out.strip().split("\n");
    assertEquals(30, lines.length, "30 epoch lines and no test line (iris has no test split): " + train.out);
    assertTrue(lines[0].startsWith("{\"event\":\"epoch\",\"epoch\":1,\"step\":18,\"loss\":"), lines[0]);
    assertTrue(lines[29].contains("\"samples_per_s\":"), lines[29]);
    assertTrue(Files.exists(ckpt));

    Run eval = nnet("eval", iris(), "--weights", ckpt.toString());
    assertEquals(0, eval.code, eval.err);
    assertTrue(eval.out.matches("(?s)train: 150 samples, loss [0-9.]+, accuracy 0\\.9[5-9][0-9]*\\s*"), eval.out);

    Path input = dir.resolve("flowers.csv");
    Files.writeString(input, "sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n");
    Run predict = nnet("predict", iris(), "--weights", ckpt.toString(), "--input", input.toString(), "--json");
    assertEquals(0, predict.code, predict.err);
    String[] rows = predict.out.strip().split("\n");
    assertEquals(2, rows.length);
    assertTrue(rows[0].startsWith("{\"class\":0,\"label\":\"setosa\","), "a setosa, named from the training CSV: " + rows[0]);
    assertTrue(rows[1].startsWith("{\"class\":2,\"label\":\"virginica\","), "a virginica: " + rows[1]);

    Files.writeString(input, "5.1,3.5,1.4\n");
    Run narrow = nnet("predict", iris(), "--weights", ckpt.toString(), "--input", input.toString());
    assertEquals(1, narrow.code);
    assertTrue(narrow.err.contains("3 values, the network takes 4"), narrow.err);

    byte[] b = Files.readAllBytes(ckpt);
    Files.write(ckpt, java.util.Arrays.copyOf(b, 40));
    Run broken = nnet("eval", iris(), "--weights", ckpt.toString());
    assertEquals(1, broken.code);
    assertTrue(broken.err.startsWith("error: ") && broken.err.contains("truncated"), broken.err);
  }

  @Test
  void perStepJsonAndSchedulePlot() throws IOException {
    Run train = nnet("train", iris(), "--steps", "5", "--log-every", "1", "--json", "-o", dir.resolve("s.ckpt").toString());
    assertEquals(0, train.code, train.err);
    List<String> steps = train.out.lines().filter(l -> l.startsWith("{\"event\":\"step\"")).toList();
    assertEquals(5, steps.size(), train.out);
    assertTrue(steps.get(4).matches("\\{\"event\":\"step\",\"step\":4,\"epoch\":1,\"lr\":0\\.01,\"loss\":[0-9.E-]+,\"grad_norm\":[0-9.E-]+}"), steps.get(4));
    Path png = dir.resolve("lr.png");
    Run schedule = nnet("schedule", Samples.sample("fashion-cosine.nnet").toString(), "--plot", png.toString(), "--steps-per-epoch", "50");
    assertEquals(0, schedule.code, schedule.err);
    assertTrue(schedule.out.contains("    2  0.00200000"), schedule.out);
    byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(png), 4);
    assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, head, "a PNG was written");
  }

  @Test
  void warningsReachTheUser() throws IOException {
    Path file = dir.resolve("w.nnet");
    Files.writeString(file, "input [4]\nnetwork {\n  dense(8, init: he_normal) -> tanh\n  dense(3)\n}\nloss softmax_cross_entropy\n");
    Run r = nnet("check", file.toString());
    assertEquals(0, r.code);
    assertTrue(r.err.contains("w.nnet:3:3: warning: he_normal before tanh"), "a warning printed with print() must not be lost: " + r.err);
  }

  @Test
  void aThreadCountBelowOneIsAClearError() {
    Run r = nnet("bench", Samples.sample("tabular.nnet").toString(), "--threads", "0");
    assertEquals(2, r.code, "a bad option value is a command-line error");
    assertTrue(r.err.contains("--threads must be at least 1, got 0"), r.err);
    assertFalse(r.err.contains("at dev.nnet"), "no stack trace: " + r.err);
  }

  /** --precision on the command line; the bf16 weights file and its predictor from nnet generate. */
  @Test
  void precisionOverrideAndBf16Weights() throws Exception {
    Run check = nnet("check", iris(), "--precision", "mixed(bf16)");
    assertEquals(0, check.code, check.err);
    assertTrue(check.out.contains("precision   mixed(bf16): float32 master weights"), check.out);
    assertEquals(1, nnet("check", iris(), "--precision", "half").code, "an unknown precision is refused");
    Path ckpt = dir.resolve("iris.ckpt");
    Run train = nnet("train", iris(), "--precision", "mixed(fp16)", "--epochs", "2", "--out", ckpt.toString());
    assertEquals(0, train.code, train.err);
    Run gen = nnet("generate", iris(), "--inference", "--weights-precision", "bf16", "--weights", ckpt.toString(), "-o", dir.resolve("src").toString());
    assertEquals(0, gen.code, gen.err);
    Path bf16 = dir.resolve("iris.bf16.ckpt");
    assertTrue(java.nio.file.Files.size(bf16) < java.nio.file.Files.size(ckpt) / 2, "weights only, two bytes each");
    assertTrue(gen.out.contains("reads bf16 weights"), gen.out);
    String src = java.nio.file.Files.readString(dir.resolve("src/dev/nnet/generated/IrisPredictor.java"));
    assertTrue(src.contains("Float.intBitsToFloat(in.readShort() << 16)"), "the predictor widens bf16 weights");
    Run eval = nnet("eval", iris(), "--weights", bf16.toString());
    assertEquals(0, eval.code, "a trainer loads the bf16 weights file: " + eval.err);
  }

  @Test
  void benchLatencyTimesThePredictorOneSampleACall() {
    Run r = nnet("bench", Samples.sample("tabular.nnet").toString(), "--latency", "--calls", "2000", "--json");
    assertEquals(0, r.code, r.err);
    assertTrue(r.out.strip().matches("\\{\"model\":\"Tabular\",\"predictor_p50_us\":[0-9.]+,\"predictor_p99_us\":[0-9.]+,"
        + "\"predictor_calls_per_s\":[0-9.]+,\"alloc_bytes_per_call\":\\d+,\"calls\":2000}"), r.out);
    Run bad = nnet("bench", Samples.sample("tabular.nnet").toString(), "--latency", "--calls", "0");
    assertEquals(2, bad.code, bad.err);
  }

  @Test
  void benchOnlineMeasuresTrainBatchAgainstTheStep() {
    Run r = nnet("bench", Samples.sample("tabular.nnet").toString(), "--online", "--warmup", "0.3", "--seconds", "0.3", "--json");
    assertEquals(0, r.code, r.err);
    assertTrue(r.out.strip().matches("\\{\"model\":\"Tabular\",\"batch\":8,\"online_samples_per_s\":[0-9.]+,\"step_samples_per_s\":[0-9.]+,"
        + "\"overhead_ns_per_call\":-?\\d+,\"alloc_bytes_per_call\":\\d+}"), r.out);
  }

  @Test
  void benchReportsItsFiguresAndSaysWhenDataIsSynthetic() {
    Run r = nnet("bench", Samples.sample("tabular.nnet").toString(), "--warmup", "0.3", "--seconds", "0.3", "--threads", "2", "--json");
    assertEquals(0, r.code, r.err);
    // tabular's products are too small to share: the trainer runs them on one thread whatever --threads says
    assertTrue(r.out.strip().matches("\\{\"model\":\"Tabular\",\"kernels\":\"vector:\\d+\",\"threads\":1,\"batch\":8,\"synthetic\":true,"
        + "\"train_samples_per_s\":[0-9.]+,\"infer_samples_per_s\":[0-9.]+,\"gflops\":[0-9.]+,\"infer_gflops\":[0-9.]+,"
        + "\"alloc_bytes_per_step\":\\d+,\"trainer_bytes\":\\d+,\"start_ms\":\\d+,\"compile_ms\":\\d+,\"data_ready_ms\":\\d+,\"first_step_ms\":\\d+}"), r.out);
    Run human = nnet("bench", Samples.sample("tabular.nnet").toString(), "--warmup", "0.2", "--seconds", "0.2");
    assertTrue(human.err.contains("data: synthetic: the file's data is not available"), human.err);
    assertTrue(human.out.contains("train_samples_per_s") && human.out.contains("compile_ms"), human.out);
  }

  @Test
  void gradcheckCommand() {
    Run ok = nnet("gradcheck", Samples.sample("gradcheck/relu-family.nnet").toString(), "--elements", "30");
    assertEquals(0, ok.code, ok.out + ok.err);
    assertTrue(ok.out.contains("dense1.weight") && ok.out.contains("all gradients agree with finite differences"), ok.out);
    // exit 1 on a wrong gradient is GradientCheckTest.theCheckCatchesAWrongGradient's (no file has a wrong gradient)
    Run negative = nnet("gradcheck", Samples.sample("gradcheck/relu-family.nnet").toString(), "--tolerance", "-1");
    assertEquals(2, negative.code, "a negative tolerance is a command-line error");
    assertTrue(negative.err.contains("--tolerance must be 0 or more, got -1.0"), negative.err);
  }

  @Test
  void missingDataSaysWhatToDo() throws IOException {
    Path file = dir.resolve("m.nnet");
    Files.writeString(file, Files.readString(Samples.sample("iris.nnet")).replace("data/iris.csv", "nowhere/iris.csv"));
    Run r = nnet("train", file.toString());
    assertEquals(1, r.code);
    assertTrue(r.err.contains("data file not found: ") && r.err.contains("nowhere/iris.csv"), r.err);
    assertTrue(r.err.contains("hint:"), r.err);
  }

  @Test
  void generateWritesTheSource() throws IOException {
    Run r = nnet("generate", iris(), "-o", dir.toString(), "--package", "com.example", "--kernels", "plain");
    assertEquals(0, r.code, r.err);
    String src = Files.readString(dir.resolve("com/example/Iris.java"));
    assertTrue(src.contains("private void dense1Forward()"), "one method per layer and direction");
    assertTrue(src.contains("iris.nnet:7:3: dense(16) -> tanh"), "cites the .nnet file, line and column");
    assertTrue(src.contains("DENSE1_WEIGHT") && src.contains("Parameter arena"), "names the tensors and lists the layout");
    assertEquals(1, nnet("generate", iris(), "-o", dir.toString(), "--package", "1bad").code);
    Run inference = nnet("generate", iris(), "-o", dir.toString(), "--package", "com.example", "--inference");
    assertEquals(0, inference.code, inference.err);
    String predictor = Files.readString(dir.resolve("com/example/IrisPredictor.java"));
    assertTrue(predictor.contains("public float[] predict(float[] features)"));
    assertFalse(predictor.contains("dev.nnet"), "the predictor depends on nothing but the JDK");
  }
}
