package dev.nnet.runtime;

import java.util.ArrayList;
import java.util.List;

/**
 * The multiplicative effect of depth, measured: for one batch, each layer's activation mean and spread,
 * the norm of the loss gradient with respect to its output, the fraction of ReLU units dead for the whole
 * batch, and the fraction of sigmoid/tanh outputs in saturation; then findings with the notes' remedies.
 */
public final class Diagnosis {
  private Diagnosis() {}

  /**
   * @param gradNorm          L2 norm of d(loss)/d(output) over the batch; NaN where nothing before the layer learns
   * @param deadFraction      relu: units that are 0 for every sample of the batch; NaN for other layers
   * @param saturatedFraction sigmoid, tanh: outputs within 0.02 of their bounds; NaN for other layers
   */
  public record LayerStats(String layer, String operation, double actMean, double actStd, double gradNorm, double deadFraction,
                           double saturatedFraction) {}

  /** Statistics of the batch the network last ran forward and backward on (after {@link Network#computeGradients}). */
  public static List<LayerStats> measure(Network net) {
    NetworkSpec spec = net.spec();
    int b = spec.batchSize();
    List<LayerStats> out = new ArrayList<>();
    for (int i = 0; i < spec.layers().size(); i++) {
      NetworkSpec.Layer l = spec.layers().get(i);
      Arena y = net.layerOutput(i), g = net.layerGradient(i);
      int n = l.size();
      double sum = 0, sq = 0;
      for (int k = 0; k < b * n; k++) sum += y.get(k);
      double mean = sum / (b * n);
      for (int k = 0; k < b * n; k++) sq += (y.get(k) - mean) * (y.get(k) - mean);
      double norm = Double.NaN;
      if (g != null) {
        norm = 0;
        for (int k = 0; k < b * n; k++) norm += g.get(k) * g.get(k);
        norm = Math.sqrt(norm);
      }
      double dead = Double.NaN, saturated = Double.NaN;
      if (l.operation().equals("relu")) {
        int deadUnits = 0;
        for (int j = 0; j < n; j++) {
          boolean alive = false;
          for (int r = 0; r < b && !alive; r++) alive = y.get(r * n + j) > 0;
          if (!alive) deadUnits++;
        }
        dead = deadUnits / (double) n;
      } else if (l.operation().equals("sigmoid") || l.operation().equals("tanh")) {
        double lo = l.operation().equals("sigmoid") ? 0 : -1;
        int sat = 0;
        for (int k = 0; k < b * n; k++) if (y.get(k) < lo + 0.02 || y.get(k) > 0.98) sat++;
        saturated = sat / (double) (b * n);
      }
      out.add(new LayerStats(l.name(), l.operation(), mean, Math.sqrt(sq / (b * n)), norm, dead, saturated));
    }
    return out;
  }

  /** What the numbers say, with the notes' remedies: how the spread and the gradients change from dense layer to dense layer. */
  public static List<String> findings(List<LayerStats> stats) {
    List<String> f = new ArrayList<>();
    List<LayerStats> dense = stats.stream().filter(s -> s.operation().equals("dense")).toList();
    if (dense.size() >= 4) { // a trend needs at least three hidden layers
      double first = dense.get(0).actStd(), last = dense.get(dense.size() - 2).actStd(); // hidden layers: leave the output out
      double perLayer = Math.pow(last / first, 1.0 / (dense.size() - 2));
      if (perLayer < 0.8) {
        f.add(String.format(java.util.Locale.ROOT, "vanishing activations: the spread shrinks ×%.3f per layer (%.3g → %.3g)", perLayer, first, last)
            + "; remedies: he_normal before relu, xavier_uniform before tanh/sigmoid (the defaults), batch normalization");
      } else if (perLayer > 1.25) {
        f.add(String.format(java.util.Locale.ROOT, "exploding activations: the spread grows ×%.3f per layer (%.3g → %.3g)", perLayer, first, last)
            + "; remedies: smaller initial weights (he_normal / xavier_uniform), batch normalization");
      }
      double g0 = dense.get(0).gradNorm(), gl = dense.get(dense.size() - 1).gradNorm();
      if (Double.isFinite(g0) && Double.isFinite(gl) && gl > 0) {
        double ratio = g0 / gl;
        if (ratio < 1e-2) {
          f.add(String.format(java.util.Locale.ROOT, "vanishing gradients: the first layer gets %.2g of the last layer's gradient", ratio)
              + "; remedies: relu instead of sigmoid, He/Xavier init, batch normalization, residual connections");
        } else if (ratio > 1e2) {
          f.add(String.format(java.util.Locale.ROOT, "exploding gradients: the first layer gets %.2g× the last layer's gradient", ratio)
              + "; remedies: gradient clipping (clip_norm), smaller initial weights, a lower learning rate");
        }
      }
    }
    for (LayerStats s : stats) {
      if (s.deadFraction() > 0.5) f.add(String.format(java.util.Locale.ROOT, "%s: %.0f%% of the ReLUs are dead for the whole batch", s.layer(), s.deadFraction() * 100)
          + "; remedies: a lower learning rate, he_normal init, leaky_relu or elu");
      if (s.saturatedFraction() > 0.3) f.add(String.format(java.util.Locale.ROOT, "%s: %.0f%% of the outputs are saturated", s.layer(), s.saturatedFraction() * 100)
          + "; their gradient is near 0; remedies: xavier init, standardized inputs, relu");
    }
    return f;
  }
}
