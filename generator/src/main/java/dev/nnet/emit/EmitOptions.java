package dev.nnet.emit;

/**
 * How to emit a network.
 *
 * @param packageName the generated class's package
 * @param lanes       vector length (elements) for the Vector API path, or 0 for the plain-Java path
 * @param asArguments the hyperparameters a search varies without changing a shape are constructor arguments,
 *                    and the training plan too, so trials differing only in them share one class
 */
public record EmitOptions(String packageName, int lanes, boolean asArguments) {
  public EmitOptions(String packageName, int lanes) {
    this(packageName, lanes, false);
  }

  public static final String DEFAULT_PACKAGE = "dev.nnet.generated";
}
