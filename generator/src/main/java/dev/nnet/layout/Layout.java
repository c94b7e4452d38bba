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

  /** What a tensor is: a dense weight (decayed by default), a bias or norm parameter (not), or state the optimizer never touches. */
  public enum Role { WEIGHT, BIAS, NORM, STATE }

  /**
   * One tensor of the arena.
   *
   * @param rows,cols the stored matrix: a dense weight is [in][out]; the others are [1][size]
   */
  public record Tensor(String name, Op layer, Role role, int offset, int rows, int cols) {
    public int size() {
      return rows * cols;
    }

    public boolean weight() {
      return role == Role.WEIGHT;
    }

    /** The dense layer it belongs to, or null. */
    public Op.Dense dense() {
      return layer instanceof Op.Dense d ? d : null;
    }
  }

  public static Layout of(Model model) {
    List<Tensor> tensors = new ArrayList<>();
    long offset = 0;
    for (Op op : model.layers()) {
      if (op instanceof Op.Dense d) {
        tensors.add(new Tensor(d.name() + ".weight", d, Role.WEIGHT, (int) offset, d.inputSize(), d.outputSize()));
        offset = align(offset + (long) d.inputSize() * d.outputSize());
        tensors.add(new Tensor(d.name() + ".bias", d, Role.BIAS, (int) offset, 1, d.outputSize()));
        offset = align(offset + d.outputSize());
      } else if (op instanceof Op.LayerNorm n) {
        tensors.add(new Tensor(n.name() + ".weight", n, Role.NORM, (int) offset, 1, n.outputSize()));
        offset = align(offset + n.outputSize());
        tensors.add(new Tensor(n.name() + ".bias", n, Role.NORM, (int) offset, 1, n.outputSize()));
        offset = align(offset + n.outputSize());
      } else if (op instanceof Op.ResidualAdd r && r.projection()) {
        tensors.add(new Tensor(r.name() + ".shortcut.weight", r, Role.WEIGHT, (int) offset, r.shortcutSize(), r.outputSize()));
        offset = align(offset + (long) r.shortcutSize() * r.outputSize());
      } else if (op instanceof Op.PRelu p) {
        tensors.add(new Tensor(p.name() + ".weight", p, Role.NORM, (int) offset, 1, (int) p.parameterCount()));
        offset = align(offset + p.parameterCount());
      } else if (op instanceof Op.BatchNorm b) {
        String[] names = {".weight", ".bias", ".running_mean", ".running_var"};
        for (int i = 0; i < 4; i++) {
          tensors.add(new Tensor(b.name() + names[i], b, i < 2 ? Role.NORM : Role.STATE, (int) offset, 1, b.outputSize()));
          offset = align(offset + b.outputSize());
        }
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
