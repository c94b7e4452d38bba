package dev.nnet.tests;

import static org.junit.jupiter.api.Assertions.*;

import dev.nnet.NnetCompiler;
import dev.nnet.runtime.*;
import dev.nnet.syntax.SourceFile;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The image operations' forward definitions against naive float64 loops written from PyTorch's definitions
 * (Conv2d, BatchNorm2d in training, MaxPool2d with −∞ padding, AvgPool2d with count_include_pad=False,
 * Dropout2d, global average pooling, Flatten), on both kernel paths. The reference works on [C][H][W]
 * images; nnet stores them channels-last inside the network, so each output is read through that layout,
 * and flatten's output, which is PyTorch's order, directly.
 */
class ConvForwardReferenceTest {
  static final int B = 3, C = 3, H = 9, W = 8;

  static final String NET = """
      input [3, 9, 8]
      precision float64
      network {
        conv(16, kernel: 3, stride: 2, pad: 1) as c1
        batchnorm as bn
        relu
        maxpool(3, stride: 2, pad: 1) as mp
        conv(6, kernel: [3, 1], dilation: 2, pad: [2, 0], groups: 2) as c2
        avgpool(2, stride: 1, pad: 1) as ap
        channel_dropout(0.4) as cd
        conv(4, kernel: 1, bias: false) as c3
        flatten as fl
        dense(3)
      }
      loss softmax_cross_entropy
      training {
        batch 3
      }
      """;

  record Run(Network net, NetworkSpec spec, double[][][][] input) {
    int index(String layer) {
      for (int i = 0; i < spec.layers().size(); i++) if (spec.layers().get(i).name().equals(layer)) return i;
      throw new IllegalArgumentException(layer);
    }

    /** A layer's output as [sample][channel][y][x], read from nnet's channels-last storage. */
    double[][][][] image(String layer, int c, int h, int w) {
      Arena a = net.layerOutput(index(layer));
      double[][][][] m = new double[B][c][h][w];
      for (int s = 0; s < B; s++) {
        for (int ch = 0; ch < c; ch++) for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) m[s][ch][y][x] = a.get(s * c * h * w + (y * w + x) * c + ch);
      }
      return m;
    }

    double[] tensor(String name) {
      ParamTensor t = spec.tensor(name);
      double[] v = new double[t.size()];
      for (int i = 0; i < v.length; i++) v[i] = net.parameters().get(t.offset() + i);
      return v;
    }
  }

  static Run run(NnetCompiler.Kernels kernels) {
    Network net = NnetCompiler.defaults().kernels(kernels).compile(SourceFile.of("conv-ref.nnet", NET)).newNetwork();
    net.setThreads(1);
    NetworkSpec spec = net.spec();
    net.initialize(5);
    Random r = new Random(11);
    Arena p = net.parameters();
    for (ParamTensor t : spec.tensors()) {
      boolean variance = t.name().endsWith("running_var");
      for (int i = 0; i < t.size(); i++) p.set(t.offset() + i, variance ? 0.5 + r.nextDouble() : r.nextGaussian() * 0.6);
    }
    net.parametersChanged();
    double[][][][] input = stageImages(net, r, new int[] {0, 1, 2}, 3);
    net.computeGradients();
    return new Run(net, spec, input);
  }

  /** Stages a batch of random [C][H][W] images (float32, as the data path holds them) and returns them as the reference reads them. */
  static double[][][][] stageImages(Network net, Random r, int[] labels, int classes) {
    float[] x = new float[B * C * H * W];
    for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
    double[][][][] input = new double[B][C][H][W];
    for (int s = 0; s < B; s++) for (int c = 0; c < C; c++) for (int y = 0; y < H; y++) for (int xx = 0; xx < W; xx++) input[s][c][y][xx] = x[((s * C + c) * H + y) * W + xx];
    net.stage(Dataset.classification("ref", C * H * W, x, labels, classes), Dataset.identity(B), 0, B, 1.0);
    return input;
  }

  /** PyTorch's Conv2d: weight [F][C/groups][kh][kw], taps outside the image read zero. */
  static double[][][][] conv(double[][][][] x, double[] w, double[] b, int f, int kh, int kw, int stride, int ph, int pw, int dil, int groups) {
    int c = x[0].length, h = x[0][0].length, wd = x[0][0][0].length;
    int oh = (h + 2 * ph - dil * (kh - 1) - 1) / stride + 1, ow = (wd + 2 * pw - dil * (kw - 1) - 1) / stride + 1;
    int cg = c / groups, fg = f / groups;
    double[][][][] y = new double[B][f][oh][ow];
    for (int s = 0; s < B; s++) {
      for (int o = 0; o < f; o++) {
        for (int oy = 0; oy < oh; oy++) {
          for (int ox = 0; ox < ow; ox++) {
            double sum = b == null ? 0 : b[o];
            for (int ci = 0; ci < cg; ci++) {
              for (int i = 0; i < kh; i++) {
                for (int j = 0; j < kw; j++) {
                  int iy = oy * stride - ph + i * dil, ix = ox * stride - pw + j * dil;
                  if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                  sum += w[((o * cg + ci) * kh + i) * kw + j] * x[s][o / fg * cg + ci][iy][ix];
                }
              }
            }
            y[s][o][oy][ox] = sum;
          }
        }
      }
    }
    return y;
  }

  /** MaxPool2d (padding is −∞) or AvgPool2d with count_include_pad=False. */
  static double[][][][] pool(double[][][][] x, boolean max, int k, int stride, int pad) {
    int c = x[0].length, h = x[0][0].length, wd = x[0][0][0].length;
    int oh = (h + 2 * pad - k) / stride + 1, ow = (wd + 2 * pad - k) / stride + 1;
    double[][][][] y = new double[B][c][oh][ow];
    for (int s = 0; s < B; s++) {
      for (int ch = 0; ch < c; ch++) {
        for (int oy = 0; oy < oh; oy++) {
          for (int ox = 0; ox < ow; ox++) {
            double acc = max ? Double.NEGATIVE_INFINITY : 0;
            int n = 0;
            for (int i = 0; i < k; i++) {
              for (int j = 0; j < k; j++) {
                int iy = oy * stride - pad + i, ix = ox * stride - pad + j;
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                acc = max ? Math.max(acc, x[s][ch][iy][ix]) : acc + x[s][ch][iy][ix];
                n++;
              }
            }
            y[s][ch][oy][ox] = max ? acc : acc / n;
          }
        }
      }
    }
    return y;
  }

  static void close(double[][][][] expected, double[][][][] actual, String what) {
    for (int s = 0; s < B; s++) {
      for (int c = 0; c < expected[s].length; c++) {
        for (int y = 0; y < expected[s][c].length; y++) {
          for (int x = 0; x < expected[s][c][y].length; x++) {
            double e = expected[s][c][y][x];
            assertEquals(e, actual[s][c][y][x], 1e-12 * Math.max(1, Math.abs(e)), what + " [" + s + "][" + c + "][" + y + "][" + x + "]");
          }
        }
      }
    }
  }

  @Test
  void everyImageOperationMatchesItsDefinition() {
    for (NnetCompiler.Kernels k : Samples.kernels()) {
      Run run = run(k);
      double[][][][] c1 = conv(run.input(), run.tensor("c1.weight"), run.tensor("c1.bias"), 16, 3, 3, 2, 1, 1, 1, 1);
      close(c1, run.image("c1", 16, 5, 4), "conv " + k);

      // BatchNorm2d in training: per channel over batch × height × width, the biased variance
      double[] g = run.tensor("bn.weight"), be = run.tensor("bn.bias");
      double[][][][] bn = new double[B][16][5][4];
      for (int c = 0; c < 16; c++) {
        double mean = 0, var = 0;
        for (int s = 0; s < B; s++) for (int y = 0; y < 5; y++) for (int x = 0; x < 4; x++) mean += c1[s][c][y][x] / (B * 20.0);
        for (int s = 0; s < B; s++) for (int y = 0; y < 5; y++) for (int x = 0; x < 4; x++) var += Math.pow(c1[s][c][y][x] - mean, 2) / (B * 20.0);
        for (int s = 0; s < B; s++) for (int y = 0; y < 5; y++) for (int x = 0; x < 4; x++) bn[s][c][y][x] = g[c] * (c1[s][c][y][x] - mean) / Math.sqrt(var + 1e-5) + be[c];
      }
      close(bn, run.image("bn", 16, 5, 4), "batchnorm per channel " + k);

      double[][][][] relu = run.image("relu1", 16, 5, 4);
      double[][][][] mp = pool(relu, true, 3, 2, 1);
      close(mp, run.image("mp", 16, 3, 2), "maxpool " + k);

      double[][][][] c2 = conv(mp, run.tensor("c2.weight"), run.tensor("c2.bias"), 6, 3, 1, 1, 2, 0, 2, 2);
      close(c2, run.image("c2", 6, 3, 2), "grouped dilated conv " + k);

      double[][][][] ap = pool(c2, false, 2, 1, 1);
      close(ap, run.image("ap", 6, 4, 3), "avgpool " + k);

      // Dropout2d: each (sample, channel) whole, zeroed or scaled by 1/(1 − p)
      double[][][][] cd = run.image("cd", 6, 4, 3);
      int dropped = 0;
      for (int s = 0; s < B; s++) {
        for (int c = 0; c < 6; c++) {
          boolean zero = cd[s][c][0][0] == 0 && ap[s][c][0][0] != 0;
          if (zero) dropped++;
          for (int y = 0; y < 4; y++) for (int x = 0; x < 3; x++) assertEquals(zero ? 0 : ap[s][c][y][x] / 0.6, cd[s][c][y][x], 1e-12, "channel_dropout " + k);
        }
      }
      assertTrue(dropped > 0 && dropped < 18, "some channels dropped, not all: " + dropped);

      // flatten: PyTorch's order, channel, then y, then x
      double[][][][] c3 = conv(cd, run.tensor("c3.weight"), null, 4, 1, 1, 1, 0, 0, 1, 1);
      Arena fl = run.net().layerOutput(run.index("fl"));
      for (int s = 0; s < B; s++) {
        for (int c = 0; c < 4; c++) {
          for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 3; x++) assertEquals(c3[s][c][y][x], fl.get(s * 48 + (c * 4 + y) * 3 + x), 1e-12, "1x1 conv then flatten " + k);
          }
        }
      }
    }
  }

  /**
   * Convolutions whose forward product reads the patches in place from a channels-last image (16 and 8
   * channels, whole vectors of filters): with a zero border that differs by side, stride 2 and dilation 2,
   * and without a border; the same definition on the plain path, which copies the patches.
   */
  @Test
  void convolutionsReadingTheirPatchesInPlaceMatchTheDefinition() {
    String text = """
        input [3, 9, 8]
        precision float64
        network {
          conv(16, kernel: 3, pad: 1) as c1
          conv(16, kernel: 3, stride: 2, dilation: 2, pad: [2, 1]) as d1
          conv(8, kernel: [1, 3]) as d2
          flatten
          dense(2)
        }
        loss softmax_cross_entropy
        training {
          batch 3
        }
        """;
    SourceFile file = SourceFile.of("direct.nnet", text);
    assertTrue(NnetCompiler.defaults().kernels(NnetCompiler.Kernels.VECTOR).generate(file).source().contains("d1Padded[p0 + ak]"),
        "the vector path reads d1's patches in place");
    for (NnetCompiler.Kernels k : Samples.kernels()) {
      Network net = NnetCompiler.defaults().kernels(k).compile(file).newNetwork();
      net.setThreads(1);
      net.initialize(3);
      NetworkSpec spec = net.spec();
      Random r = new Random(8);
      for (ParamTensor t : spec.tensors()) for (int i = 0; i < t.size(); i++) net.parameters().set(t.offset() + i, r.nextGaussian() * 0.5);
      net.parametersChanged();
      double[][][][] input = stageImages(net, r, new int[] {0, 1, 0}, 2);
      net.evaluate(B);
      Run run = new Run(net, spec, input);
      double[][][][] c1 = conv(input, run.tensor("c1.weight"), run.tensor("c1.bias"), 16, 3, 3, 1, 1, 1, 1, 1);
      close(c1, run.image("c1", 16, 9, 8), "conv " + k);
      double[][][][] d1 = conv(c1, run.tensor("d1.weight"), run.tensor("d1.bias"), 16, 3, 3, 2, 2, 1, 2, 1);
      close(d1, run.image("d1", 16, 5, 3), "strided dilated conv with a border " + k);
      double[][][][] d2 = conv(d1, run.tensor("d2.weight"), run.tensor("d2.bias"), 8, 1, 3, 1, 0, 0, 1, 1);
      close(d2, run.image("d2", 8, 5, 1), "conv without a border " + k);
    }
  }

  /** GroupNorm(G, C): per sample and group, over the group's channels and every pixel; γ, β per channel. Layernorm is one group. */
  @Test
  void groupAndLayerNormOnImagesMatchPyTorchsGroupNorm() {
    for (String op : new String[] {"groupnorm(groups: 4)", "layernorm"}) {
      int groups = op.startsWith("group") ? 4 : 1;
      String text = "input [2, 5, 3]\nprecision float64\nnetwork {\n  conv(8, kernel: 3, pad: same) as c\n  " + op + " as gn\n  flatten\n  dense(2)\n}\n"
          + "loss softmax_cross_entropy\ntraining {\n  batch 3\n}\n";
      for (NnetCompiler.Kernels k : Samples.kernels()) {
        Network net = NnetCompiler.defaults().kernels(k).compile(SourceFile.of("gn.nnet", text)).newNetwork();
        net.initialize(3);
        Random r = new Random(4);
        NetworkSpec spec = net.spec();
        for (ParamTensor t : spec.tensors()) for (int i = 0; i < t.size(); i++) net.parameters().set(t.offset() + i, r.nextGaussian());
        net.parametersChanged();
        float[] x = new float[B * 30];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        net.stage(Dataset.classification("gn", 30, x, new int[] {0, 1, 0}, 2), Dataset.identity(B), 0, B, 1.0);
        net.evaluate(B);
        Arena c = net.layerOutput(0), gn = net.layerOutput(1);
        ParamTensor g = spec.tensor("gn.weight"), b = spec.tensor("gn.bias");
        int per = 8 / groups;
        for (int s = 0; s < B; s++) {
          for (int grp = 0; grp < groups; grp++) {
            double mean = 0, var = 0;
            for (int q = 0; q < 15; q++) for (int ch = grp * per; ch < (grp + 1) * per; ch++) mean += c.get(s * 120 + q * 8 + ch) / (15.0 * per);
            for (int q = 0; q < 15; q++) for (int ch = grp * per; ch < (grp + 1) * per; ch++) var += Math.pow(c.get(s * 120 + q * 8 + ch) - mean, 2) / (15.0 * per);
            for (int q = 0; q < 15; q++) {
              for (int ch = grp * per; ch < (grp + 1) * per; ch++) {
                double want = net.parameters().get(g.offset() + ch) * (c.get(s * 120 + q * 8 + ch) - mean) / Math.sqrt(var + 1e-5) + net.parameters().get(b.offset() + ch);
                assertEquals(want, gn.get(s * 120 + q * 8 + ch), 1e-12 * Math.max(1, Math.abs(want)), op + " " + k);
              }
            }
          }
        }
      }
    }
  }

  @Test
  void globalAveragePoolingIsEachChannelsMean() {
    String text = "input [2, 5, 3]\nprecision float64\nnetwork {\n  conv(16, kernel: 3, pad: same) as c\n  global_avgpool as gp\n  dense(2)\n}\n"
        + "loss softmax_cross_entropy\ntraining {\n  batch 3\n}\n";
    for (NnetCompiler.Kernels k : Samples.kernels()) {
      Network net = NnetCompiler.defaults().kernels(k).compile(SourceFile.of("gap.nnet", text)).newNetwork();
      net.initialize(3);
      float[] x = new float[B * 30];
      Random r = new Random(2);
      for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
      net.stage(Dataset.classification("gap", 30, x, new int[] {0, 1, 0}, 2), Dataset.identity(B), 0, B, 1.0);
      net.evaluate(B);
      Arena c = net.layerOutput(0), gp = net.layerOutput(1);
      for (int s = 0; s < B; s++) {
        for (int ch = 0; ch < 16; ch++) {
          double mean = 0;
          for (int q = 0; q < 15; q++) mean += c.get(s * 240 + q * 16 + ch) / 15;
          assertEquals(mean, gp.get(s * 16 + ch), 1e-12, "global_avgpool " + k);
        }
      }
    }
  }
}
