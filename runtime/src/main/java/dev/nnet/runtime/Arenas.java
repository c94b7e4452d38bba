package dev.nnet.runtime;

/** {@link Arena} views of arrays (a final class, so generated code compiled by Janino can call it). */
public final class Arenas {
  private Arenas() {}

  public static Arena of(float[] a) {
    return new Arena() {
      public int size() { return a.length; }
      public double get(int i) { return a[i]; }
      public void set(int i, double v) { a[i] = (float) v; }
    };
  }

  public static Arena of(double[] a) {
    return new Arena() {
      public int size() { return a.length; }
      public double get(int i) { return a[i]; }
      public void set(int i, double v) { a[i] = v; }
    };
  }

  /** Two arenas seen as one, {@code a} first. */
  public static Arena concat(Arena a, Arena b) {
    return new Arena() {
      public int size() { return a.size() + b.size(); }
      public double get(int i) { return i < a.size() ? a.get(i) : b.get(i - a.size()); }
      public void set(int i, double v) { if (i < a.size()) a.set(i, v); else b.set(i - a.size(), v); }
    };
  }
}
