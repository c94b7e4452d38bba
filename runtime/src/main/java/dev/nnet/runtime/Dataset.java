package dev.nnet.runtime;

import java.util.Arrays;

/**
 * Samples in memory, row-major: {@code features[row * featureSize + j]}, raw (unscaled) as read.
 * Classification sets have {@code labels}; regression sets have {@code targets} ({@code targetSize} per row).
 */
public record Dataset(String name, int rows, int featureSize, float[] features, int[] labels, int classes,
                      float[] targets, int targetSize) {

  public static Dataset classification(String name, int featureSize, float[] features, int[] labels, int classes) {
    return new Dataset(name, labels.length, featureSize, features, labels, classes, null, 0);
  }

  public static Dataset regression(String name, int featureSize, float[] features, float[] targets, int targetSize) {
    return new Dataset(name, targets.length / targetSize, featureSize, features, null, 0, targets, targetSize);
  }

  public boolean hasLabels() {
    return labels != null;
  }

  /** The rows listed in {@code index}, in that order, as a new set. */
  public Dataset select(String newName, int[] index) {
    float[] f = new float[index.length * featureSize];
    for (int i = 0; i < index.length; i++) System.arraycopy(features, index[i] * featureSize, f, i * featureSize, featureSize);
    if (labels != null) {
      int[] l = new int[index.length];
      for (int i = 0; i < index.length; i++) l[i] = labels[index[i]];
      return new Dataset(newName, index.length, featureSize, f, l, classes, null, 0);
    }
    float[] t = new float[index.length * targetSize];
    for (int i = 0; i < index.length; i++) System.arraycopy(targets, index[i] * targetSize, t, i * targetSize, targetSize);
    return new Dataset(newName, index.length, featureSize, f, null, 0, t, targetSize);
  }

  /**
   * Splits off the last {@code fraction} of a seeded permutation as validation. Returns {train, validation}.
   */
  public Dataset[] split(double fraction, long seed) {
    int[] order = identity(rows);
    new Rng(seed).shuffle(order);
    int nVal = (int) Math.round(rows * fraction);
    int[] tr = Arrays.copyOfRange(order, 0, rows - nVal);
    int[] va = Arrays.copyOfRange(order, rows - nVal, rows);
    Arrays.sort(tr);
    Arrays.sort(va);
    return new Dataset[] {select(name + " (train part)", tr), select(name + " (validation part)", va)};
  }

  public static int[] identity(int n) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) a[i] = i;
    return a;
  }
}
