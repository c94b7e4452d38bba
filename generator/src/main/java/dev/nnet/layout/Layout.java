package dev.nnet.layout;

import dev.nnet.analysis.Model;
import dev.nnet.analysis.Op;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Where every number lives: the parameters of all layers in one flat arena (gradients and optimizer
 * state mirror it), so the optimizer update and checkpointing are single loops. Each tensor starts on a
 * 64-byte boundary so vector loads of a row start aligned when the row length allows it.
 *
 * @param tensors   in forward order: each dense layer's weight then its bias
 * @param arenaSize elements in the parameter arena, padding included
 * @param signature a digest of names, shapes, offsets and precision; checkpoints are matched against it
 */
public record Layout(Model model, List<Tensor> tensors, int arenaSize, String signature) {

  static final int ALIGN = 16;

  /**
   * One parameter tensor.
   *
   * @param rows,cols the stored matrix: a dense weight is [in][out]; a bias is [1][out]
   */
  public record Tensor(String name, Op.Dense layer, boolean weight, int offset, int rows, int cols) {
    public int size() {
      return rows * cols;
    }
  }

  public static Layout of(Model model) {
    List<Tensor> tensors = new ArrayList<>();
    long offset = 0;
    for (Op op : model.layers()) {
      if (op instanceof Op.Dense d) {
        tensors.add(new Tensor(d.name() + ".weight", d, true, (int) offset, d.inputSize(), d.outputSize()));
        offset = align(offset + (long) d.inputSize() * d.outputSize());
        tensors.add(new Tensor(d.name() + ".bias", d, false, (int) offset, 1, d.outputSize()));
        offset = align(offset + d.outputSize());
      }
      if (offset > Integer.MAX_VALUE - 64) throw new IllegalArgumentException("more parameters than one Java array holds");
    }
    return new Layout(model, List.copyOf(tensors), (int) offset, signature(model, tensors));
  }

  public Tensor weight(Op.Dense d) {
    return find(d, true);
  }

  public Tensor bias(Op.Dense d) {
    return find(d, false);
  }

  private Tensor find(Op.Dense d, boolean weight) {
    for (Tensor t : tensors) if (t.layer() == d && t.weight() == weight) return t;
    throw new IllegalArgumentException(d.name());
  }

  private static long align(long n) {
    return (n + ALIGN - 1) / ALIGN * ALIGN;
  }

  private static String signature(Model model, List<Tensor> tensors) {
    StringBuilder sb = new StringBuilder(model.precision().keyword());
    for (Tensor t : tensors) sb.append('|').append(t.name()).append(':').append(t.rows()).append('x').append(t.cols()).append('@').append(t.offset());
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(sb.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(h, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
