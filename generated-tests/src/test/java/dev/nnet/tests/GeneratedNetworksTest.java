package dev.nnet.tests;

import static org.junit.jupiter.api.Assertions.*;

import dev.nnet.GradientCheck;
import dev.nnet.NnetCompiler;
import dev.nnet.syntax.SourceFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random valid .nnet files (every operation, widths including 1 and odd sizes, nested residual blocks,
 * every loss, optimizer and schedule, regularization) must check, compile on both kernel paths with every
 * method under the JIT's 8,000-byte limit, and pass the float64 gradient check. A shrunk failure is printed
 * as its .nnet text: commit it under samples/gradcheck/ as a regression sample.
 */
class GeneratedNetworksTest {

  /** A random network's text, from a seed (jqwik shrinks the seed, and the text is printed with any failure). */
  static String network(long seed) {
    Random r = new Random(seed);
    StringBuilder net = new StringBuilder();
    int input = 1 + r.nextInt(12);
    int[] width = {input};
    int layers = 1 + r.nextInt(5);
    for (int i = 0; i < layers; i++) net.append("  ").append(block(r, width, 0)).append('\n');
    String loss;
    int out;
    switch (r.nextInt(3)) {
      case 0 -> {
        loss = "softmax_cross_entropy" + (r.nextBoolean() ? "(label_smoothing: 0.1)" : "");
        out = 2 + r.nextInt(4);
      }
      case 1 -> {
        loss = "mse";
        out = 1 + r.nextInt(3);
      }
      default -> {
        loss = "sigmoid_cross_entropy";
        out = 1 + r.nextInt(3);
      }
    }
    net.append("  dense(").append(out).append(")\n");
    String[] optimizers = {"sgd(lr: 0.05)", "sgd(lr: 0.05, momentum: 0.9, nesterov: true)", "momentum(lr: 0.02, momentum: 0.8)",
        "adagrad(lr: 0.1)", "rmsprop(lr: 0.01)", "adam(lr: 0.01)", "adamw(lr: 0.01, weight_decay: 0.05)"};
    String[] schedules = {"", "schedule step(every: 2, gamma: 0.5)", "schedule cosine(min: 1e-4)", "schedule exponential(gamma: 0.9)",
        "schedule warmup(epochs: 1, from: 1e-4) then cosine(min: 1e-5, unit: step)", "schedule multistep(gamma: 0.1, at: [2, 4])"};
    StringBuilder training = new StringBuilder("training {\n  batch " + (2 + r.nextInt(8)) + "\n  optimizer " + optimizers[r.nextInt(optimizers.length)] + "\n");
    String schedule = schedules[r.nextInt(schedules.length)];
    if (!schedule.isEmpty()) training.append("  ").append(schedule).append('\n');
    if (r.nextInt(3) == 0) training.append("  weight_decay 1e-3\n");
    if (r.nextInt(4) == 0) training.append("  clip_norm 0.5\n");
    if (r.nextInt(5) == 0) training.append("  l1 1e-4\n");
    training.append("}\n");
    return "input [" + input + "]\n" + (r.nextInt(4) == 0 ? "precision float64\n" : "") + "network {\n" + net + "}\nloss " + loss + "\n" + training;
  }

  /** One layer or chain for a flow of {@code width[0]} features; updates the width. */
  private static String block(Random r, int[] width, int depth) {
    int w = width[0];
    switch (r.nextInt(depth < 2 ? 12 : 10)) {
      case 0, 1 -> {
        // narrow (1-3), the usual, and wide enough for full register tiles and a leftover vector (up to 100)
        int units = r.nextInt(4) == 0 ? 1 + r.nextInt(3) : r.nextInt(6) == 0 ? 40 + r.nextInt(61) : 1 + r.nextInt(40);
        width[0] = units;
        String[] inits = {"", ", init: he_normal", ", init: xavier_uniform", ", init: orthogonal", ", init: lecun_normal"};
        return "dense(" + units + inits[r.nextInt(inits.length)] + ")";
      }
      case 2 -> {
        String[] acts = {"relu", "leaky_relu", "elu", "gelu", "silu", "sigmoid", "tanh"};
        return acts[r.nextInt(acts.length)];
      }
      case 3 -> {
        return "dropout(" + (1 + r.nextInt(5)) / 10.0 + ")";
      }
      case 4 -> {
        return w >= 2 ? "batchnorm" : "tanh";
      }
      case 5 -> {
        if (w < 2) return "relu";
        List<Integer> divisors = new ArrayList<>();
        for (int g = 1; g <= w; g++) if (w % g == 0 && w / g >= 2) divisors.add(g);
        int g = divisors.get(r.nextInt(divisors.size()));
        return g == 1 ? "layernorm" : "groupnorm(groups: " + g + ")";
      }
      case 6 -> {
        return r.nextBoolean() ? "prelu" : "prelu(per_unit: true)";
      }
      case 7 -> {
        for (int k = 2; k <= 3; k++) {
          if (w % k == 0) {
            width[0] = w / k;
            return "maxout(k: " + k + ")";
          }
        }
        return "silu";
      }
      case 8, 9 -> {
        int units = 1 + r.nextInt(30);
        width[0] = units;
        return "dense(" + units + ") -> " + block(r, width, depth);
      }
      default -> { // a residual block, its body one or two blocks
        int in = w;
        StringBuilder body = new StringBuilder();
        int n = 1 + r.nextInt(2);
        for (int i = 0; i < n; i++) body.append(i > 0 ? " -> " : "").append(block(r, width, depth + 1));
        int out = width[0];
        String shortcut;
        if (out == in && r.nextBoolean()) shortcut = "";
        else if (out >= in && r.nextBoolean()) shortcut = "(shortcut: zeros)";
        else shortcut = "(shortcut: projection)";
        return "residual" + shortcut + " {\n    " + body + "\n  }";
      }
    }
  }

  /** Seeds of generated cases: jqwik shrinks a failing one towards 0, and the case is rebuilt from it. */
  static final Arbitrary<Long> SEEDS = Arbitraries.longs().between(0, 1_000_000_000L);

  @Provide
  Arbitrary<Long> seeds() {
    return SEEDS;
  }

  @Property(tries = 120, seed = "20261202")
  void everyGeneratedNetworkChecksCompilesAndHasRightGradients(@ForAll("seeds") long seed) {
    String text = network(seed);
    try {
      NnetCompiler.defaults().check(SourceFile.of("generated.nnet", text));
      for (NnetCompiler.Kernels kernels : Samples.kernels()) {
        NnetCompiler.Compiled c = NnetCompiler.defaults().kernels(kernels).compile(SourceFile.of("generated.nnet", text));
        for (Map.Entry<String, Integer> e : c.methodSizes().entrySet()) {
          assertTrue(e.getValue() < 8_000, e.getKey() + " is " + e.getValue() + " bytes");
        }
        c.newTrainer().threads(1).predict(new float[c.newNetwork().spec().inputSize()]);
      }
      for (GradientCheck.TensorResult t : GradientCheck.run(SourceFile.of("generated.nnet", text), NnetCompiler.Kernels.VECTOR, seed, 6)) {
        assertTrue(t.passes(1e-6), t.tensor() + ": worst error " + t.worstError() + " (analytic " + t.analytic() + ", numeric " + t.numeric()
            + "), " + t.skipped() + " of " + t.checked() + " skipped");
      }
    } catch (Throwable e) {
      throw new AssertionError("generated network (seed " + seed + "):\n" + text + "\n" + e.getMessage(), e);
    }
  }
}
