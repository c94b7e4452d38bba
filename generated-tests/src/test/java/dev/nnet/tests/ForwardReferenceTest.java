package dev.nnet.tests;

import static org.junit.jupiter.api.Assertions.*;

import dev.nnet.NnetCompiler;
import dev.nnet.runtime.*;
import dev.nnet.syntax.SourceFile;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Every operation's forward definition against an implementation that is not nnet's: naive float64 loops
 * written from the formulas in docs/language.md. A gradient check only proves that backward matches forward;
 * a wrong gelu constant or a groupnorm over the wrong features passes it, and fails here. Each case compiles
 * {@code dense(12) as first -> OP -> dense(3) as last} in float64 on both kernel paths, sets every parameter
 * to a random value, runs a forward pass on 6 random samples, and recomputes OP's output from its input.
 */
class ForwardReferenceTest {
  static final int B = 6, W = 12;

  /** A compiled network after one training-mode forward (and backward), with its layers' outputs at hand. */
  record Run(Network net, NetworkSpec spec, double loss, int[] labels) {
    int index(String layer) {
      for (int i = 0; i < spec.layers().size(); i++) if (spec.layers().get(i).name().equals(layer)) return i;
      throw new IllegalArgumentException(layer);
    }

    /** Output row r of a layer, as doubles. */
    double[][] out(String layer) {
      Arena a = net.layerOutput(index(layer));
      int n = spec.layers().get(index(layer)).size();
      double[][] m = new double[B][n];
      for (int r = 0; r < B; r++) for (int j = 0; j < n; j++) m[r][j] = a.get(r * n + j);
      return m;
    }

    /** The layer before {@code layer}: its input. */
    double[][] in(String layer) {
      return out(spec.layers().get(index(layer) - 1).name());
    }

    double param(String tensor, int i) {
      return net.parameters().get(spec.tensor(tensor).offset() + i);
    }
  }

  static Run run(String op, String loss, NnetCompiler.Kernels kernels, boolean training) {
    String text = "input [" + W + "]\nprecision float64\nnetwork {\n  dense(" + W + ") as first\n  " + op + "\n  dense(3) as last\n}\n"
        + "loss " + loss + "\ntraining {\n  batch " + B + "\n}\n";
    Network net = NnetCompiler.defaults().kernels(kernels).compile(SourceFile.of("ref.nnet", text)).newNetwork();
    net.setThreads(1);
    NetworkSpec spec = net.spec();
    net.initialize(7);
    Random r = new Random(3);
    Arena p = net.parameters();
    for (ParamTensor t : spec.tensors()) {
      boolean variance = t.name().endsWith("running_var");
      for (int i = 0; i < t.size(); i++) p.set(t.offset() + i, variance ? 0.5 + r.nextDouble() : r.nextGaussian() * 0.7);
    }
    net.parametersChanged();
    float[] x = new float[B * W];
    for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * 1.5);
    int[] labels = new int[B];
    for (int i = 0; i < B; i++) labels[i] = r.nextInt(3);
    net.stage(Dataset.classification("ref", W, x, labels, 3), Dataset.identity(B), 0, B, 1.0);
    double value = training ? net.computeGradients() : net.evaluate(B) / B;
    return new Run(net, spec, value, labels);
  }

  static void close(double expected, double actual, String what) {
    assertEquals(expected, actual, 1e-12 * Math.max(1, Math.abs(expected)), what);
  }

  static void elementwise(String op, DoubleUnaryOperator f) {
    for (NnetCompiler.Kernels k : Samples.kernels()) {
      Run run = run(op + " as op", "softmax_cross_entropy", k, true);
      double[][] in = run.in("op"), out = run.out("op");
      for (int r = 0; r < B; r++) for (int j = 0; j < W; j++) close(f.applyAsDouble(in[r][j]), out[r][j], op + " " + k + " [" + r + "][" + j + "]");
    }
  }

  static double sigmoid(double x) {
    return 1 / (1 + Math.exp(-x));
  }

  @Test
  void activations() {
    elementwise("relu", x -> Math.max(0, x));
    elementwise("leaky_relu", x -> x > 0 ? x : 0.01 * x);
    elementwise("leaky_relu(alpha: 0.2)", x -> x > 0 ? x : 0.2 * x);
    elementwise("elu", x -> x > 0 ? x : Math.exp(x) - 1);
    elementwise("elu(alpha: 0.7)", x -> x > 0 ? x : 0.7 * (Math.exp(x) - 1));
    elementwise("gelu", x -> 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))));
    elementwise("silu", x -> x * sigmoid(x));
    elementwise("sigmoid", ForwardReferenceTest::sigmoid);
    elementwise("tanh", Math::tanh);
  }

  @Test
  void denseLayer() {
    for (NnetCompiler.Kernels k : Samples.kernels()) {
      Run run = run("relu", "softmax_cross_entropy", k, true);
      double[][] in = run.in("last"), out = run.out("last");
      for (int r = 0; r < B; r++) {
        for (int o = 0; o < 3; o++) {
          double y = run.param("last.bias", o);
          for (int i = 0; i < W; i++) y += in[r][i] * run.param("last.weight", i * 3 + o); // W stored [in][out]
          close(y, out[r][o], "dense " + k);
        }
      }
    }
  }

  @Test
  void softmaxAndMaxoutAndPrelu() {
    for (NnetCompiler.Kernels k : Samples.kernels()) {
      Run s = run("softmax as op", "mse", k, true);
      double[][] in = s.in("op"), out = s.out("op");
      for (int r = 0; r < B; r++) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (double v : in[r]) max = Math.max(max, v);
        for (double v : in[r]) sum += Math.exp(v - max);
        for (int j = 0; j < W; j++) close(Math.exp(in[r][j] - max) / sum, out[r][j], "softmax " + k);
      }
      Run m = run("maxout(k: 3) as op", "softmax_cross_entropy", k, true);
      in = m.in("op");
      out = m.out("op");
      for (int r = 0; r < B; r++) {
        for (int j = 0; j < W / 3; j++) close(Math.max(in[r][3 * j], Math.max(in[r][3 * j + 1], in[r][3 * j + 2])), out[r][j], "maxout " + k);
      }
      for (boolean perUnit : new boolean[] {false, true}) {
        Run p = run("prelu(per_unit: " + perUnit + ") as op", "softmax_cross_entropy", k, true);
        in = p.in("op");
        out = p.out("op");
        for (int r = 0; r < B; r++) {
          for (int j = 0; j < W; j++) {
            double a = p.param("op.weight", perUnit ? j : 0);
            close(in[r][j] > 0 ? in[r][j] : a * in[r][j], out[r][j], "prelu " + k);
          }
        }
      }
    }
  }

  @Test
  void batchnormInTrainingAndEvaluation() {
    for (NnetCompiler.Kernels k : Samples.kernels()) {
      for (boolean training : new boolean[] {true, false}) {
        Run run = run("batchnorm(momentum: 0.2, eps: 1e-3) as op", "softmax_cross_entropy", k, training);
        double[][] in = run.in("op"), out = run.out("op");
        for (int j = 0; j < W; j++) {
          double mean = 0, var = 0;
          for (int r = 0; r < B; r++) mean += in[r][j] / B;
          for (int r = 0; r < B; r++) var += (in[r][j] - mean) * (in[r][j] - mean) / B;
          double g = run.param("op.weight", j), b = run.param("op.bias", j);
          if (training) {
            for (int r = 0; r < B; r++) close(g * (in[r][j] - mean) / Math.sqrt(var + 1e-3) + b, out[r][j], "batchnorm training " + k);
          } else {
            // running statistics were set at random before the pass; evaluation uses them and leaves them as they are
            double rm = run.param("op.running_mean", j), rv = run.param("op.running_var", j);
            for (int r = 0; r < B; r++) close(g * (in[r][j] - rm) / Math.sqrt(rv + 1e-3) + b, out[r][j], "batchnorm evaluation " + k);
          }
        }
      }
      // one training pass moves the running statistics as PyTorch does: r <- (1 - m) r + m stat, the variance unbiased
      Run before = run("batchnorm(momentum: 0.2) as op", "softmax_cross_entropy", k, false);
      Run after = run("batchnorm(momentum: 0.2) as op", "softmax_cross_entropy", k, true);
      double[][] in = after.in("op");
      for (int j = 0; j < W; j++) {
        double mean = 0, var = 0;
        for (int r = 0; r < B; r++) mean += in[r][j] / B;
        for (int r = 0; r < B; r++) var += (in[r][j] - mean) * (in[r][j] - mean) / (B - 1);
        close(0.8 * before.param("op.running_mean", j) + 0.2 * mean, after.param("op.running_mean", j), "running mean " + k);
        close(0.8 * before.param("op.running_var", j) + 0.2 * var, after.param("op.running_var", j), "running variance " + k);
      }
    }
  }

  @Test
  void layernormAndGroupnorm() {
    for (NnetCompiler.Kernels k : Samples.kernels()) {
      for (int groups : new int[] {1, 3, 4}) {
        Run run = run((groups == 1 ? "layernorm(eps: 1e-4)" : "groupnorm(groups: " + groups + ", eps: 1e-4)") + " as op", "softmax_cross_entropy", k, true);
        double[][] in = run.in("op"), out = run.out("op");
        int size = W / groups;
        for (int r = 0; r < B; r++) {
          for (int g = 0; g < groups; g++) {
            double mean = 0, var = 0;
            for (int j = g * size; j < (g + 1) * size; j++) mean += in[r][j] / size;
            for (int j = g * size; j < (g + 1) * size; j++) var += (in[r][j] - mean) * (in[r][j] - mean) / size;
            for (int j = g * size; j < (g + 1) * size; j++) {
              close(run.param("op.weight", j) * (in[r][j] - mean) / Math.sqrt(var + 1e-4) + run.param("op.bias", j), out[r][j],
                  (groups == 1 ? "layernorm " : "groupnorm(" + groups + ") ") + k);
            }
          }
        }
      }
    }
  }

  @Test
  void dropoutDropsOrScalesInTrainingAndPassesInEvaluation() {
    for (NnetCompiler.Kernels k : Samples.kernels()) {
      Run train = run("dropout(0.25) as op", "softmax_cross_entropy", k, true);
      double[][] in = train.in("op"), out = train.out("op");
      int dropped = 0;
      for (int r = 0; r < B; r++) {
        for (int j = 0; j < W; j++) {
          if (out[r][j] == 0 && in[r][j] != 0) dropped++;
          else close(in[r][j] / 0.75, out[r][j], "a kept unit is scaled by 1/(1 - p)");
        }
      }
      assertTrue(dropped > 0 && dropped < B * W / 2, "some units dropped, not most: " + dropped);
      Run eval = run("dropout(0.25) as op", "softmax_cross_entropy", k, false);
      assertArrayEquals(flat(eval.in("op")), flat(eval.out("op")), "evaluation passes values through");
    }
  }

  static double[] flat(double[][] m) {
    return java.util.Arrays.stream(m).flatMapToDouble(java.util.Arrays::stream).toArray();
  }

  @Test
  void residualShortcuts() {
    for (NnetCompiler.Kernels k : Samples.kernels()) {
      for (String shortcut : List.of("identity", "zeros", "projection")) {
        int body = shortcut.equals("identity") ? W : shortcut.equals("zeros") ? W + 5 : 7;
        Run run = run("residual(shortcut: " + shortcut + ") { dense(" + body + ") as body } as block", "softmax_cross_entropy", k, true);
        double[][] x = run.out("first"), f = run.out("body"), out = run.out("block");
        for (int r = 0; r < B; r++) {
          for (int o = 0; o < body; o++) {
            double s = switch (shortcut) {
              case "identity" -> x[r][o];
              case "zeros" -> o < W ? x[r][o] : 0;
              default -> {
                double v = 0;
                for (int i = 0; i < W; i++) v += x[r][i] * run.param("block.shortcut.weight", i * body + o);
                yield v;
              }
            };
            close(f[r][o] + s, out[r][o], "residual " + shortcut + " " + k);
          }
        }
      }
    }
  }

  @Test
  void losses() {
    for (NnetCompiler.Kernels k : Samples.kernels()) {
      for (double eps : new double[] {0, 0.1}) {
        Run run = run("relu", "softmax_cross_entropy" + (eps > 0 ? "(label_smoothing: " + eps + ")" : ""), k, true);
        double[][] z = run.out("last");
        double sum = 0;
        for (int r = 0; r < B; r++) {
          double max = Math.max(z[r][0], Math.max(z[r][1], z[r][2])), lse = 0;
          for (double v : z[r]) lse += Math.exp(v - max);
          lse = max + Math.log(lse);
          for (int c = 0; c < 3; c++) sum -= ((c == run.labels()[r] ? 1 - eps : 0) + eps / 3) * (z[r][c] - lse);
        }
        close(sum / B, run.loss(), "softmax cross-entropy, smoothing " + eps + " " + k);
      }
      Run mse = run("relu", "mse", k, true);
      double[][] z = mse.out("last");
      double sq = 0;
      for (int r = 0; r < B; r++) for (int c = 0; c < 3; c++) sq += Math.pow(z[r][c] - (c == mse.labels()[r] ? 1 : 0), 2);
      close(sq / (B * 3), mse.loss(), "mse on one-hot targets " + k);
      Run bce = run("relu", "sigmoid_cross_entropy", k, true);
      z = bce.out("last");
      double l = 0;
      for (int r = 0; r < B; r++) {
        for (int c = 0; c < 3; c++) {
          double t = c == bce.labels()[r] ? 1 : 0;
          l += -(t * Math.log(sigmoid(z[r][c])) + (1 - t) * Math.log(1 - sigmoid(z[r][c])));
        }
      }
      close(l / (B * 3), bce.loss(), "sigmoid cross-entropy " + k);
    }
  }
}
