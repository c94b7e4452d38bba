package dev.nnet.search;

import dev.nnet.analysis.SearchSpec;
import dev.nnet.runtime.Rng;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tree-structured Parzen estimator (Bergstra et al., 2011; Optuna's and Hyperopt's default sampler), for
 * the {@code bayesian} strategy. The finished trials are split into the best quarter and the rest; for each
 * parameter, a density is fitted to the values of each part (Gaussians around the values, on a log scale for
 * log domains, widened by a prior over the whole domain; for a choice, counts plus one); 24 candidates are
 * drawn from the good density, and the one where good/rest is largest is the suggestion. Parameters are
 * treated independently, as TPE does by default.
 */
final class Tpe {
  static final double GAMMA = 0.25;
  static final int CANDIDATES = 24;

  private Tpe() {}

  /** A finished trial as TPE sees it: its values and its metric, smaller better (a maximized metric negated). */
  record Observation(Map<String, Double> values, double loss) {}

  static Map<String, Double> suggest(List<SearchSpec.Param> params, List<Observation> history, Rng rng) {
    List<Observation> sorted = new ArrayList<>(history);
    sorted.sort((a, b) -> Double.compare(a.loss(), b.loss()));
    int nGood = Math.max(1, (int) Math.ceil(GAMMA * sorted.size()));
    List<Observation> good = sorted.subList(0, nGood), bad = sorted.subList(nGood, sorted.size());
    Map<String, Double> out = new LinkedHashMap<>();
    for (SearchSpec.Param p : params) {
      SearchSpec.Domain d = p.domain();
      out.put(p.name(), d.kind().equals("choice") ? categorical(d, values(good, p), values(bad, p), rng) : numeric(d, values(good, p), values(bad, p), rng));
    }
    return out;
  }

  private static double[] values(List<Observation> obs, SearchSpec.Param p) {
    double[] v = new double[obs.size()];
    for (int i = 0; i < v.length; i++) v[i] = obs.get(i).values().get(p.name());
    return v;
  }

  private static double categorical(SearchSpec.Domain d, double[] good, double[] bad, Rng rng) {
    int k = d.choices().size();
    double[] l = new double[k], g = new double[k];
    for (int i = 0; i < k; i++) {
      l[i] = 1;
      g[i] = 1;
    }
    for (double v : good) l[d.choices().indexOf(v)]++;
    for (double v : bad) g[d.choices().indexOf(v)]++;
    double lt = 0, gt = 0;
    for (int i = 0; i < k; i++) {
      lt += l[i];
      gt += g[i];
    }
    int best = -1;
    double bestScore = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < CANDIDATES; c++) {
      double u = rng.nextDouble() * lt;
      int i = 0;
      while (i < k - 1 && u >= l[i]) u -= l[i++];
      double score = Math.log(l[i] / lt) - Math.log(g[i] / gt);
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    }
    return d.choices().get(best);
  }

  private static double numeric(SearchSpec.Domain d, double[] good, double[] bad, Rng rng) {
    boolean log = d.log();
    double lo = log ? Math.log(d.lo()) : d.lo(), hi = log ? Math.log(d.integer() ? d.hi() + 1 : d.hi()) : d.integer() ? d.hi() + 1 : d.hi();
    Parzen l = new Parzen(map(good, log), lo, hi), g = new Parzen(map(bad, log), lo, hi);
    double best = Double.NaN, bestScore = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < CANDIDATES; c++) {
      double x = l.sample(rng);
      double score = l.logDensity(x) - g.logDensity(x);
      if (score > bestScore) {
        bestScore = score;
        best = x;
      }
    }
    double v = log ? Math.exp(best) : best;
    if (d.integer()) v = Math.min(d.hi(), Math.max(d.lo(), Math.floor(v)));
    return Math.min(d.hi(), Math.max(d.lo(), v));
  }

  private static double[] map(double[] v, boolean log) {
    double[] m = new double[v.length];
    for (int i = 0; i < v.length; i++) m[i] = log ? Math.log(v[i]) : v[i];
    return m;
  }

  /**
   * Gaussians around the points, each as wide as the larger gap to its neighbours (between a hundredth of the
   * range and the whole range), and one more over the whole range (the prior), equally weighted; truncated to
   * [lo, hi].
   */
  static final class Parzen {
    final double[] mu, sigma;
    final double lo, hi;

    Parzen(double[] points, double lo, double hi) {
      this.lo = lo;
      this.hi = hi;
      double[] p = java.util.Arrays.copyOf(points, points.length + 1);
      p[points.length] = (lo + hi) / 2; // the prior's centre
      java.util.Arrays.sort(p);
      mu = p;
      sigma = new double[p.length];
      double range = hi - lo, min = range / Math.min(100, p.length + 1);
      for (int i = 0; i < p.length; i++) {
        double left = i == 0 ? p[i] - lo : p[i] - p[i - 1], right = i == p.length - 1 ? hi - p[i] : p[i + 1] - p[i];
        sigma[i] = Math.min(range, Math.max(min, Math.max(left, right)));
        if (p[i] == (lo + hi) / 2 && i == java.util.Arrays.binarySearch(p, (lo + hi) / 2)) sigma[i] = range; // the prior is wide
      }
    }

    double sample(Rng rng) {
      for (int attempt = 0; attempt < 100; attempt++) {
        int i = rng.nextInt(mu.length);
        double x = mu[i] + sigma[i] * rng.nextGaussian();
        if (x >= lo && x <= hi) return x;
      }
      return lo + rng.nextDouble() * (hi - lo);
    }

    double logDensity(double x) {
      double sum = 0;
      for (int i = 0; i < mu.length; i++) {
        double z = (x - mu[i]) / sigma[i];
        sum += Math.exp(-0.5 * z * z) / sigma[i];
      }
      return Math.log(sum / mu.length + 1e-300);
    }
  }
}
