package dev.nnet.tests;

import static org.junit.jupiter.api.Assertions.*;

import dev.nnet.NnetCompiler;
import dev.nnet.analysis.Model;
import dev.nnet.analysis.Op;
import dev.nnet.runtime.*;
import dev.nnet.syntax.SourceFile;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The generated trainer against a naive reference written straight from the formulas (TECHNIQUES.md,
 * torch.optim's conventions), in float64, over many steps from the same initial weights and batches.
 * Unlike the gradient check, this covers the optimizer update and everything an update must keep
 * consistent (e.g. transposed weight copies), step after step.
 */
class ReferenceTrainerTest {

  static final String ADAM_CE = """
      input [5]
      network {
        dense(37) -> tanh
        dense(19) -> relu
        dense(4)
      }
      loss softmax_cross_entropy
      precision float64
      training {
        batch 6
        optimizer adam(lr: 0.01, beta1: 0.8, beta2: 0.99, eps: 1e-6)
      }
      """;

  static final String SGD_MSE = """
      input [3]
      network {
        dense(21) -> sigmoid
        dense(2)
      }
      loss mse
      precision float64
      training {
        batch 4
        optimizer sgd(lr: 0.3)
      }
      """;

  /** The same small classifier under every optimizer. */
  static String classifier(String optimizer) {
    return """
        input [5]
        network {
          dense(21) -> relu
          dense(3)
        }
        loss softmax_cross_entropy
        precision float64
        training {
          batch 4
          optimizer %s
        }
        """.formatted(optimizer);
  }

  static Stream<Arguments> cases() {
    return Stream.of(ADAM_CE, SGD_MSE, classifier("sgd(lr: 0.05, momentum: 0.9)"), classifier("sgd(lr: 0.05, momentum: 0.8, nesterov: true)"),
        classifier("nesterov(lr: 0.02)"), classifier("adagrad(lr: 0.1, eps: 1e-7)"), classifier("rmsprop(lr: 0.01, rho: 0.9)"),
        classifier("adamw(lr: 0.01, weight_decay: 0.1)"),
        classifier("adam(lr: 0.01)").replace("loss softmax_cross_entropy", "loss softmax_cross_entropy(label_smoothing: 0.2)"),
        classifier("adam(lr: 0.01)").replace("loss softmax_cross_entropy", "loss sigmoid_cross_entropy"),
        classifier("sgd(lr: 0.05, momentum: 0.9)\n  weight_decay 0.01\n  l1 0.001\n  clip_norm 0.5"),
        classifier("adam(lr: 0.01)\n  weight_decay 0.02\n  clip_value 0.05")
            .replace("dense(21) -> relu", "dense(21, frozen: true) -> relu").replace("dense(3)", "dense(3, decay: 3, bias_decay: true)")).flatMap(text -> Samples.kernels().stream().map(k -> Arguments.of(text.lines().filter(l -> l.contains("optimizer") || l.startsWith("loss") || l.matches(" *(weight_decay|l1|clip_\\w+) .*|.*frozen.*"))
            .map(String::strip).reduce((x, y) -> x + ", " + y).orElseThrow(), text, k)));
  }

  @ParameterizedTest(name = "{0} {2}")
  @MethodSource("cases")
  void matchesTheReferenceStepByStep(String label, String text, NnetCompiler.Kernels kernels) {
    NnetCompiler.Compiled c = NnetCompiler.defaults().kernels(kernels).compile(SourceFile.of("ref.nnet", text));
    Network net = c.newNetwork();
    net.initialize(11);
    Reference ref = new Reference(c.model(), net);
    NetworkSpec spec = net.spec();
    Rng rng = new Rng(5);
    int b = spec.batchSize(), rows = 4 * b;
    float[] x = new float[rows * spec.inputSize()];
    for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian();
    Dataset data;
    if (spec.task() != NetworkSpec.Task.REGRESSION) {
      int[] y = new int[rows];
      for (int i = 0; i < rows; i++) y[i] = rng.nextInt(spec.outputSize());
      data = Dataset.classification("random", spec.inputSize(), x, y, spec.outputSize());
    } else {
      float[] t = new float[rows * spec.outputSize()];
      for (int i = 0; i < t.length; i++) t[i] = (float) rng.nextGaussian();
      data = Dataset.regression("random", spec.inputSize(), x, t, spec.outputSize());
    }
    int[] order = Dataset.identity(rows);
    for (int step = 0; step < 40; step++) {
      int from = (step % 4) * b;
      // a learning rate that changes every step, as schedules make it: momentum conventions differ exactly then
      double lr = spec.plan().learningRate() * (1 + 0.5 * Math.sin(step));
      net.stage(data, order, from, b, 1f);
      double got = net.trainStep(lr);
      double want = ref.step(data, from, lr);
      assertEquals(want, got, 1e-12 * Math.max(1, Math.abs(want)), "loss at step " + step);
    }
    Arena p = net.parameters();
    for (int i = 0; i < p.size(); i++) assertEquals(ref.params[i], p.get(i), 1e-10, "parameter " + i + " after 40 steps");
  }

  /** Plain loops over the same flat parameter layout; nothing shared with the generator but the layout. */
  static final class Reference {
    final Model model;
    final NetworkSpec spec;
    final double[] params, m, v;
    final boolean[] decayed;
    final double[] multiplier; // the layer's decay multiplier where decay applies, else 0
    final boolean[] frozen;
    int t;

    Reference(Model model, Network net) {
      this.model = model;
      this.spec = net.spec();
      Arena a = net.parameters();
      params = new double[a.size()];
      for (int i = 0; i < params.length; i++) params[i] = a.get(i);
      m = new double[params.length];
      v = new double[params.length];
      decayed = new boolean[params.length];
      multiplier = new double[params.length];
      frozen = new boolean[params.length];
      for (ParamTensor pt : spec.tensors()) {
        Op.Dense layer = (Op.Dense) model.layers().stream().filter(o -> pt.name().startsWith(o.name() + ".")).findFirst().orElseThrow();
        for (int i = 0; i < pt.size(); i++) {
          decayed[pt.offset() + i] = pt.decayed();
          multiplier[pt.offset() + i] = pt.decayed() || layer.biasDecay() ? layer.decay() : 0;
          frozen[pt.offset() + i] = layer.frozen();
        }
      }
    }

    double step(Dataset data, int from, double lr) {
      int b = spec.batchSize();
      int nLayers = model.layers().size();
      double[][] acts = new double[nLayers + 1][];
      acts[0] = new double[b * spec.inputSize()];
      for (int i = 0; i < acts[0].length; i++) acts[0][i] = data.features()[from * spec.inputSize() + i];
      for (int l = 0; l < nLayers; l++) acts[l + 1] = forward(model.layers().get(l), acts[l], b);
      double[] z = acts[nLayers];
      int n = spec.outputSize();
      double[] g = new double[z.length];
      double loss = 0;
      for (int r = 0; r < b; r++) {
        if (spec.task() == NetworkSpec.Task.CLASSIFICATION) {
          double eps = model.loss().smoothing();
          double max = Double.NEGATIVE_INFINITY, sum = 0;
          for (int j = 0; j < n; j++) max = Math.max(max, z[r * n + j]);
          for (int j = 0; j < n; j++) sum += Math.exp(z[r * n + j] - max);
          int label = data.labels()[from + r];
          for (int j = 0; j < n; j++) {
            double t = (1 - eps) * (j == label ? 1 : 0) + eps / n; // the smoothed target
            double logP = z[r * n + j] - max - Math.log(sum);
            loss -= t * logP / b;
            g[r * n + j] = (Math.exp(logP) - t) / b;
          }
        } else if (spec.task() == NetworkSpec.Task.MULTILABEL) {
          int label = data.labels()[from + r];
          for (int j = 0; j < n; j++) {
            double t = j == label ? 1 : 0, p = 1 / (1 + Math.exp(-z[r * n + j]));
            loss -= (t * Math.log(p) + (1 - t) * Math.log(1 - p)) / (b * n);
            g[r * n + j] = (p - t) / (b * n);
          }
        } else {
          for (int j = 0; j < n; j++) {
            double d = z[r * n + j] - data.targets()[(from + r) * n + j];
            loss += d * d / (b * n);
            g[r * n + j] = 2 * d / (b * n);
          }
        }
      }
      double[] grads = new double[params.length];
      for (int l = nLayers - 1; l >= 0; l--) g = backward(model.layers().get(l), acts[l], acts[l + 1], g, grads, b);
      t++;
      Model.Optimizer o = model.optimizer();
      Model.Regularization reg = model.regularization();
      double norm = 0;
      for (double gr : grads) norm += gr * gr;
      norm = Math.sqrt(norm);
      for (int i = 0; i < params.length; i++) {
        if (frozen[i]) continue;
        double gi = grads[i];
        if (reg.clipValue() > 0) gi = Math.max(-reg.clipValue(), Math.min(reg.clipValue(), gi)); // clip, then regularize
        if (reg.clipNorm() > 0) gi *= Math.min(1.0, reg.clipNorm() / (norm + 1e-6)); // torch.nn.utils.clip_grad_norm_
        gi += multiplier[i] * (reg.weightDecay() * params[i] + reg.l1() * Math.signum(params[i]));
        switch (o.kind()) {
          case SGD -> {
            if (o.momentum() == 0) {
              params[i] -= lr * gi;
            } else { // torch.optim.SGD: buf = μ·buf + gi; nesterov steps along gi + μ·buf
              m[i] = o.momentum() * m[i] + gi;
              params[i] -= lr * (o.nesterov() ? gi + o.momentum() * m[i] : m[i]);
            }
          }
          case ADAGRAD -> {
            m[i] += gi * gi;
            params[i] -= lr * gi / (Math.sqrt(m[i]) + o.eps());
          }
          case RMSPROP -> {
            m[i] = o.alpha() * m[i] + (1 - o.alpha()) * gi * gi;
            params[i] -= lr * gi / (Math.sqrt(m[i]) + o.eps());
          }
          case ADAM, ADAMW -> {
            if (o.kind() == Model.Optimizer.Kind.ADAMW && decayed[i]) params[i] *= 1 - lr * o.weightDecay();
            m[i] = o.beta1() * m[i] + (1 - o.beta1()) * gi;
            v[i] = o.beta2() * v[i] + (1 - o.beta2()) * gi * gi;
            double mHat = m[i] / (1 - Math.pow(o.beta1(), t)), vHat = v[i] / (1 - Math.pow(o.beta2(), t));
            params[i] -= lr * mHat / (Math.sqrt(vHat) + o.eps());
          }
        }
      }
      return loss;
    }

    double[] forward(Op op, double[] x, int b) {
      double[] y = new double[b * op.outputSize()];
      if (op instanceof Op.Dense d) {
        ParamTensor w = spec.tensor(d.name() + ".weight"), bias = spec.tensor(d.name() + ".bias");
        int in = d.inputSize(), out = d.outputSize();
        for (int r = 0; r < b; r++) {
          for (int o = 0; o < out; o++) {
            double s = params[bias.offset() + o];
            for (int i = 0; i < in; i++) s += x[r * in + i] * params[w.offset() + i * out + o];
            y[r * out + o] = s;
          }
        }
      } else if (op instanceof Op.Activation a) {
        for (int i = 0; i < y.length; i++) {
          y[i] = switch (a.kind()) {
            case RELU -> Math.max(0, x[i]);
            case SIGMOID -> 1 / (1 + Math.exp(-x[i]));
            case TANH -> Math.tanh(x[i]);
            default -> throw new IllegalArgumentException("the reference has no " + a.kind());
          };
        }
      } else {
        throw new IllegalArgumentException("the reference has no " + op);
      }
      return y;
    }

    double[] backward(Op op, double[] x, double[] y, double[] dy, double[] grads, int b) {
      double[] dx = new double[x.length];
      if (op instanceof Op.Dense d) {
        ParamTensor w = spec.tensor(d.name() + ".weight"), bias = spec.tensor(d.name() + ".bias");
        int in = d.inputSize(), out = d.outputSize();
        for (int r = 0; r < b; r++) {
          for (int o = 0; o < out; o++) {
            double go = dy[r * out + o];
            grads[bias.offset() + o] += go;
            for (int i = 0; i < in; i++) {
              grads[w.offset() + i * out + o] += x[r * in + i] * go;
              dx[r * in + i] += go * params[w.offset() + i * out + o];
            }
          }
        }
      } else if (op instanceof Op.Activation a) {
        for (int i = 0; i < dx.length; i++) {
          dx[i] = dy[i] * switch (a.kind()) {
            case RELU -> x[i] > 0 ? 1 : 0;
            case SIGMOID -> y[i] * (1 - y[i]);
            case TANH -> 1 - y[i] * y[i];
            default -> throw new IllegalArgumentException("the reference has no " + a.kind());
          };
        }
      }
      return dx;
    }
  }
}
