package dev.nnet.analysis;

import java.util.Arrays;

/**
 * The shape of one sample: {@code [n]} for features, {@code [C, H, W]} for images (channels, height, width),
 * row-major, so its values lie flat in {@link #size} floats.
 */
public record Shape(int[] dims) {
  public Shape {
    dims = dims.clone();
  }

  public static Shape of(int... dims) {
    return new Shape(dims);
  }

  public static Shape flat(int size) {
    return new Shape(new int[] {size});
  }

  /** Values per sample: the product of the dimensions. */
  public int size() {
    int n = 1;
    for (int d : dims) n *= d;
    return n;
  }

  public int rank() {
    return dims.length;
  }

  @Override
  public int[] dims() {
    return dims.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Shape s && Arrays.equals(dims, s.dims);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(dims);
  }

  /** As the .nnet file writes it: [784], [1, 28, 28]. */
  @Override
  public String toString() {
    return Arrays.toString(dims);
  }
}
