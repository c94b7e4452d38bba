package dev.nnet.emit;

/**
 * How to emit a network.
 *
 * @param packageName the generated class's package
 * @param lanes       vector length (elements) for the Vector API path, or 0 for the plain-Java path
 */
public record EmitOptions(String packageName, int lanes) {
  public static final String DEFAULT_PACKAGE = "dev.nnet.generated";
}
