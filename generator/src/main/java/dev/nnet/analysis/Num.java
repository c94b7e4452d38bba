package dev.nnet.analysis;

import java.math.BigDecimal;

/** Number formatting for messages and listings: short, exact for the values people write. */
final class Num {
  private Num() {}

  static String fmt(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
    if (Math.abs(v) >= 1e-4 && Math.abs(v) < 1e6) {
      return new BigDecimal(v).round(new java.math.MathContext(4)).stripTrailingZeros().toPlainString();
    }
    return String.format(java.util.Locale.ROOT, "%.3g", v);
  }

  /** A count with thousands separators: 268,435,456. */
  static String count(long n) {
    return String.format(java.util.Locale.ROOT, "%,d", n);
  }

  /** A size in bytes, in the largest binary unit that keeps it above 1: 6.0 GiB. */
  static String bytes(long n) {
    if (n < 1024) return n + " bytes";
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
