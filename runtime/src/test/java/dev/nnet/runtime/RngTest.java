package dev.nnet.runtime;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class RngTest {

  @Test
  void reproducibleFromItsSeedAndState() {
    Rng a = new Rng(42), b = new Rng(42);
    for (int i = 0; i < 100; i++) assertEquals(a.nextLong(), b.nextLong());
    long s = a.state();
    double x = a.nextGaussian();
    a.setState(s);
    assertEquals(x, a.nextGaussian());
    assertEquals(0xE220A8397B1DCDAFL, new Rng(0).nextLong(), "the reference SplitMix64's first output for seed 0");
  }

  @Test
  void distributionsHaveTheirMoments() {
    Rng r = new Rng(7);
    int n = 200_000;
    double sum = 0, sq = 0, usum = 0;
    int[] buckets = new int[10];
    for (int i = 0; i < n; i++) {
      double g = r.nextGaussian();
      sum += g;
      sq += g * g;
      float u = r.nextFloat();
      assertTrue(u >= 0 && u < 1);
      usum += u;
      buckets[r.nextInt(10)]++;
    }
    assertEquals(0, sum / n, 0.01);
    assertEquals(1, sq / n, 0.01);
    assertEquals(0.5, usum / n, 0.005);
    for (int c : buckets) assertEquals(n / 10.0, c, n / 10.0 * 0.03);
  }

  @Test
  void shuffleIsAPermutation() {
    int[] a = Dataset.identity(1000);
    new Rng(3).shuffle(a);
    int[] sorted = a.clone();
    java.util.Arrays.sort(sorted);
    assertArrayEquals(Dataset.identity(1000), sorted);
    assertFalse(java.util.Arrays.equals(Dataset.identity(1000), a));
  }
}
