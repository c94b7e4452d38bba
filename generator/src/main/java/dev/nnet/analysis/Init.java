package dev.nnet.analysis;

/**
 * A weight initializer, resolved to a distribution with folded constants: He normal for a 784-input layer
 * becomes normal(0, 0.0505). {@code name} keeps what the user (or the default rule) chose, for display.
 */
public record Init(String name, Distribution distribution, double a, double b) {

  /** normal(mean a, std b), uniform(low a, high b), constant(a), the identity matrix, or orthogonal(gain a). */
  public enum Distribution { NORMAL, UNIFORM, CONSTANT, IDENTITY, ORTHOGONAL }

  public static Init zeros() {
    return new Init("zeros", Distribution.CONSTANT, 0, 0);
  }

  public String describe() {
    String d = switch (distribution) {
      case NORMAL -> "N(" + Num.fmt(a) + ", " + Num.fmt(b) + "²)";
      case UNIFORM -> "U(" + Num.fmt(a) + ", " + Num.fmt(b) + ")";
      case CONSTANT -> a == 0 ? "0" : Num.fmt(a);
      case IDENTITY -> "I";
      case ORTHOGONAL -> "orthonormal × " + Num.fmt(a);
    };
    return name.equals("zeros") ? "zeros" : name + " " + d;
  }
}
