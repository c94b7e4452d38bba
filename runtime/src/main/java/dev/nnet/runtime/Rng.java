package dev.nnet.runtime;

/**
 * SplitMix64: a small, fast generator whose whole state is one long, so a run is reproducible from its
 * seed on every JVM and the state can be saved in a checkpoint. Not for cryptography.
 */
public final class Rng {
  private long state;

  public Rng(long seed) {
    this.state = seed;
  }

  public long state() {
    return state;
  }

  public void setState(long state) {
    this.state = state;
  }

  public long nextLong() {
    long z = (state += 0x9E3779B97F4A7C15L);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Uniform in [0, 1) with 24 random bits. */
  public float nextFloat() {
    return (nextLong() >>> 40) * 0x1.0p-24f;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  public double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  /** Uniform in [0, bound). */
  public int nextInt(int bound) {
    return (int) (((nextLong() >>> 33) * bound) >>> 31);
  }

  /** Standard normal by Box–Muller; uses two uniforms per call so the state advances predictably. */
  public double nextGaussian() {
    double u1 = 1.0 - nextDouble(); // (0, 1]: log is finite
    double u2 = nextDouble();
    return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
  }

  /** Fisher–Yates shuffle of {@code a}. */
  public void shuffle(int[] a) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  /** An independent stream for another purpose (data order, dropout), derived from a seed and a purpose tag. */
  public static long derive(long seed, long purpose) {
    return new Rng(seed ^ (purpose * 0xD1B54A32D192ED03L)).nextLong();
  }
}
