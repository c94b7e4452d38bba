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
}
