package dev.nnet.runtime;

import java.util.Arrays;

/**
 * Samples in memory, row-major: {@code features[row * featureSize + j]}, raw (unscaled) as read. The arrays
 * may hold more than {@code rows} rows (a set split in place keeps its arrays): only the first {@code rows} count.
 * Classification sets have {@code labels}; regression sets have {@code targets} ({@code targetSize} per row).
 *
 * @param classNames the names of the classes, when the data named them (a CSV's words); else null
 * @param wideFeatures the features in float64, as read, for a float64 network (so float64 is float64 end to
 *                   end, data included); null otherwise. {@code features} then holds them rounded to float32.
 * @param wideTargets the targets in float64, likewise; null otherwise
 */
public record Dataset(String name, int rows, int featureSize, float[] features, int[] labels, int classes,
                      float[] targets, int targetSize, java.util.List<String> classNames, double[] wideFeatures, double[] wideTargets)
    implements java.io.Serializable { // (a search on a cluster broadcasts the training data)

  public Dataset(String name, int rows, int featureSize, float[] features, int[] labels, int classes,
                 float[] targets, int targetSize, java.util.List<String> classNames) {
    this(name, rows, featureSize, features, labels, classes, targets, targetSize, classNames, null, null);
  }

  public static Dataset classification(String name, int featureSize, float[] features, int[] labels, int classes) {
    return new Dataset(name, labels.length, featureSize, features, labels, classes, null, 0, null);
  }

  public static Dataset regression(String name, int featureSize, float[] features, float[] targets, int targetSize) {
    return new Dataset(name, targets.length / targetSize, featureSize, features, null, 0, targets, targetSize, null);
  }

  /** The same set carrying its values in float64 too: {@code features} (and targets, if any) as read, unrounded. */
  public Dataset wide(double[] features64, double[] targets64) {
    return new Dataset(name, rows, featureSize, features, labels, classes, targets, targetSize, classNames, features64, targets64);
  }

  /** The same set carrying its float32 values widened to float64 (exact: for data read as bytes or float32). */
  public Dataset widened() {
    if (wideFeatures != null) return this;
    return wide(toDouble(features), targets == null ? null : toDouble(targets));
  }

  static double[] toDouble(float[] a) {
    double[] d = new double[a.length];
    for (int i = 0; i < a.length; i++) d[i] = a[i];
    return d;
  }

  static float[] toFloat(double[] a) {
    float[] f = new float[a.length];
    for (int i = 0; i < a.length; i++) f[i] = (float) a[i];
    return f;
  }

  /**
   * Feature {@code i} times {@code scale}, as the network's precision computes it: in float64 from the wide
   * values when the set has them, else in float32 (then widened), as a float32 network stages it.
   */
  public double scaled(int i, double scale) {
    return wideFeatures != null ? wideFeatures[i] * scale : (double) (features[i] * (float) scale);
  }

  /**
   * {@code rows} random samples of {@code features} standard-normal features, labelled for {@code spec}'s
   * task: random classes, random 0/1 targets (multi-label), or standard-normal targets. Features are drawn
   * first, then labels or targets, all from {@code rng}: for benchmarks, gradient checks and diagnostics
   * when real data is not at hand.
   */
  public static Dataset random(NetworkSpec spec, int rows, int features, Rng rng) {
    int out = spec.outputSize();
    float[] x = new float[rows * features];
    for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian();
    if (spec.task() == NetworkSpec.Task.CLASSIFICATION) {
      int[] y = new int[rows];
      for (int i = 0; i < rows; i++) y[i] = rng.nextInt(out);
      return classification("random", features, x, y, out);
    }
    float[] t = new float[rows * out];
    boolean yesNo = spec.task() == NetworkSpec.Task.MULTILABEL;
    for (int i = 0; i < t.length; i++) t[i] = yesNo ? (rng.nextFloat() < 0.5f ? 1 : 0) : (float) rng.nextGaussian();
    return regression("random", features, x, t, out);
  }

  /** The same set with names for its classes. */
  public Dataset withClassNames(java.util.List<String> names) {
    return new Dataset(name, rows, featureSize, features, labels, classes, targets, targetSize, names == null ? null : java.util.List.copyOf(names),
        wideFeatures, wideTargets);
  }

  public boolean hasLabels() {
    return labels != null;
  }

  /** The rows whose class is in {@code keep}, relabelled by their place in it (class names follow); all rows when it is empty. */
  public Dataset keepClasses(java.util.List<Integer> keep) {
    if (keep.isEmpty() || labels == null) return this;
    int[] index = java.util.stream.IntStream.range(0, rows).filter(i -> keep.contains(labels[i])).toArray();
    Dataset s = select(name, index);
    int[] l = new int[s.rows];
    for (int i = 0; i < l.length; i++) l[i] = keep.indexOf(s.labels[i]);
    java.util.List<String> names = null;
    if (classNames != null) names = keep.stream().map(c -> c < classNames.size() ? classNames.get(c) : Integer.toString(c)).toList();
    return new Dataset(name, s.rows, featureSize, s.features, l, keep.size(), null, 0, names, s.wideFeatures, null);
  }

  /** The first {@code n} rows of each class, in file order (a small labelled set); all rows when n is 0. */
  public Dataset firstPerClass(int n) {
    if (n <= 0 || labels == null) return this;
    java.util.Map<Integer, Integer> seen = new java.util.HashMap<>();
    int[] index = java.util.stream.IntStream.range(0, rows).filter(i -> seen.merge(labels[i], 1, Integer::sum) <= n).toArray();
    return select(name, index);
  }

  /** The rows listed in {@code index}, in that order, as a new set. */
  public Dataset select(String newName, int[] index) {
    float[] f = gather(features, featureSize, index);
    double[] wf = wideFeatures == null ? null : gather(wideFeatures, featureSize, index);
    if (labels != null) {
      int[] l = new int[index.length];
      for (int i = 0; i < index.length; i++) l[i] = labels[index[i]];
      return new Dataset(newName, index.length, featureSize, f, l, classes, null, 0, classNames, wf, null);
    }
    return new Dataset(newName, index.length, featureSize, f, null, 0, gather(targets, targetSize, index), targetSize, null, wf,
        wideTargets == null ? null : gather(wideTargets, targetSize, index));
  }

  /** Rows {@code index} of {@code a}, {@code width} values each, as a new array. */
  private static float[] gather(float[] a, int width, int[] index) {
    float[] out = new float[index.length * width];
    for (int i = 0; i < index.length; i++) System.arraycopy(a, index[i] * width, out, i * width, width);
    return out;
  }

  private static double[] gather(double[] a, int width, int[] index) {
    double[] out = new double[index.length * width];
    for (int i = 0; i < index.length; i++) System.arraycopy(a, index[i] * width, out, i * width, width);
    return out;
  }

  /**
   * Splits off {@code fraction} of a seeded permutation as validation; with {@code stratify}, that fraction
   * of each class, so both parts keep the classes' shares. Returns {train, validation}.
   */
  public Dataset[] split(double fraction, long seed, boolean stratify) {
    int[][] parts = splitRows(fraction, seed, stratify);
    return new Dataset[] {select(name + " (train part)", parts[0]), select(name + " (validation part)", parts[1])};
  }

  /**
   * {@link #split}, the training part keeping this set's feature arrays: its rows move up in place, in their
   * order, and only the validation rows are copied; so the result is the same, without a second copy of the
   * data (Fashion-MNIST's is 170 MB, a third of a second to allocate and fill). This set must not be used
   * afterwards: the loader splits what it has just read, and nothing else holds it.
   */
  public Dataset[] splitReusing(double fraction, long seed, boolean stratify) {
    int[][] parts = splitRows(fraction, seed, stratify);
    int[] tr = parts[0];
    Dataset validation = select(name + " (validation part)", parts[1]);
    for (int i = 0; i < tr.length; i++) { // tr ascends, so tr[i] >= i: a row is read before anything overwrites it
      if (tr[i] == i) continue;
      System.arraycopy(features, tr[i] * featureSize, features, i * featureSize, featureSize);
      if (wideFeatures != null) System.arraycopy(wideFeatures, tr[i] * featureSize, wideFeatures, i * featureSize, featureSize);
    }
    String trainName = name + " (train part)";
    if (labels != null) {
      int[] l = new int[tr.length];
      for (int i = 0; i < tr.length; i++) l[i] = labels[tr[i]];
      return new Dataset[] {new Dataset(trainName, tr.length, featureSize, features, l, classes, null, 0, classNames, wideFeatures, null), validation};
    }
    return new Dataset[] {new Dataset(trainName, tr.length, featureSize, features, null, 0, gather(targets, targetSize, tr), targetSize, null,
        wideFeatures, wideTargets == null ? null : gather(wideTargets, targetSize, tr)), validation};
  }

  /** The rows {@link #split} keeps for training and holds out, each ascending. */
  private int[][] splitRows(double fraction, long seed, boolean stratify) {
    int[] order = stratifiedOrder(seed, stratify);
    boolean[] held = new boolean[rows];
    if (stratify && labels != null) {
      // order groups each class's rows; hold out the first share of each group
      int start = 0;
      while (start < rows) {
        int end = start, c = labels[order[start]];
        while (end < rows && labels[order[end]] == c) end++;
        int n = (int) Math.round((end - start) * fraction);
        for (int i = start; i < start + n; i++) held[order[i]] = true;
        start = end;
      }
    } else {
      int nVal = (int) Math.round(rows * fraction);
      for (int i = rows - nVal; i < rows; i++) held[order[i]] = true;
    }
    int nVal = 0;
    for (boolean h : held) if (h) nVal++;
    int[] tr = new int[rows - nVal], va = new int[nVal];
    for (int i = 0, a = 0, b = 0; i < rows; i++) {
      if (held[i]) va[b++] = i;
      else tr[a++] = i;
    }
    return new int[][] {tr, va};
  }

  /**
   * k folds for cross-validation: fold f of the result lists the rows it holds out. Seeded; with
   * {@code stratify}, each class is dealt round-robin so every fold keeps the classes' shares.
   */
  public int[][] folds(int k, long seed, boolean stratify) {
    int[] order = stratifiedOrder(seed, stratify);
    int[] count = new int[k];
    int[] fold = new int[rows];
    for (int i = 0; i < rows; i++) {
      fold[order[i]] = i % k;
      count[i % k]++;
    }
    int[][] out = new int[k][];
    for (int f = 0; f < k; f++) out[f] = new int[count[f]];
    int[] fill = new int[k];
    for (int r = 0; r < rows; r++) out[fold[r]][fill[fold[r]]++] = r;
    return out;
  }

  /** A seeded permutation; stratified, the rows of each class together, each class shuffled. */
  private int[] stratifiedOrder(long seed, boolean stratify) {
    int[] order = identity(rows);
    new Rng(seed).shuffle(order);
    if (!stratify || labels == null) return order;
    Integer[] boxed = new Integer[rows];
    for (int i = 0; i < rows; i++) boxed[i] = order[i];
    Arrays.sort(boxed, (a, b) -> Integer.compare(labels[a], labels[b])); // stable: keeps the shuffle within a class
    for (int i = 0; i < rows; i++) order[i] = boxed[i];
    return order;
  }

  /** All rows except those listed (sorted or not). */
  public Dataset without(String newName, int[] excluded) {
    boolean[] out = new boolean[rows];
    for (int r : excluded) out[r] = true;
    int[] keep = new int[rows - excluded.length];
    for (int r = 0, i = 0; r < rows; r++) if (!out[r]) keep[i++] = r;
    return select(newName, keep);
  }

  public static int[] identity(int n) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) a[i] = i;
    return a;
  }
}
