package dev.nnet.runtime;

import java.util.Arrays;

/**
 * One parameter tensor in the flat parameter arena.
 *
 * @param name   {@code layer.weight} or {@code layer.bias}, as a PyTorch state_dict would name it
 * @param offset first element in the arena
 * @param shape  the stored layout; a dense weight is stored as [in][out] (transposed from PyTorch's [out][in])
 * @param decayed whether weight decay applies (weights yes; biases and norm parameters no)
 * @param storedTransposed whether {@code shape} is the transpose of PyTorch's layout for this tensor
 */
public record ParamTensor(String name, int offset, int[] shape, boolean decayed, boolean storedTransposed) {

  public int size() {
    int n = 1;
    for (int d : shape) n *= d;
    return n;
  }

  public String shapeText() {
    return Arrays.toString(shape);
  }
}
