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
 * @param tensors   in forward order: each dense layer's weight then its bias; a batchnorm's γ, β, running mean
 *                  and running variance
 * @param arenaSize elements in the parameter arena, padding included
 * @param signature a digest of names, shapes, offsets and precision; checkpoints are matched against it
 */
public record Layout(Model model, List<Tensor> tensors, int arenaSize, String signature) {

  static final int ALIGN = 16;

  /**
   * One tensor of the arena.
   *
   * @param rows,cols the stored matrix: a dense weight is [in][out]; the others are [1][size]
   * @param constant  the name of the {@code static final int} that holds its offset in generated code
   * @param param     what the operation says of it: its stored shape and PyTorch layout
   */
  public record Tensor(String name, Op layer, Op.Role role, int offset, int rows, int cols, String constant, Op.Param param) {
    public int size() {
      return rows * cols;
    }

    public boolean weight() {
      return role == Op.Role.WEIGHT;
    }

    /** The dense layer it belongs to, or null. */
    public Op.Dense dense() {
      return layer instanceof Op.Dense d ? d : null;
    }
  }

  public static Layout of(Model model) {
    List<Tensor> tensors = new ArrayList<>();
    long offset = 0;
    java.util.Set<String> constants = new java.util.HashSet<>();
    for (Op op : model.layers()) {
      for (Op.Param p : op.params()) {
        String constant = constantName(op.name() + p.suffix());
        while (!constants.add(constant)) constant = constant + "_"; // aB.weight and a_b.weight would both be A_B_WEIGHT
        tensors.add(new Tensor(op.name() + p.suffix(), op, p.role(), (int) offset, p.rows(), p.cols(), constant, p));
        offset = align(offset + (long) p.rows() * p.cols());
      }
      if (offset > Integer.MAX_VALUE - 64) throw new IllegalArgumentException("more parameters than one Java array holds");
    }
    return new Layout(model, List.copyOf(tensors), (int) offset, signature(model, tensors));
  }

  public Tensor weight(Op.Dense d) {
    return tensor(d, ".weight");
  }

  public Tensor bias(Op.Dense d) {
    return tensor(d, ".bias");
  }

  /** The tensor of {@code op} named {@code op.name() + suffix}. */
  public Tensor tensor(Op op, String suffix) {
    for (Tensor t : tensors) if (t.layer() == op && t.name().equals(op.name() + suffix)) return t;
    throw new IllegalArgumentException(op.name() + suffix);
  }

  /** The Java constant naming a tensor's offset in generated code: batchnorm1.running_mean → BATCHNORM1_RUNNING_MEAN. */
  static String constantName(String tensor) {
    return tensor.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replace('.', '_').toUpperCase(java.util.Locale.ROOT);
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
