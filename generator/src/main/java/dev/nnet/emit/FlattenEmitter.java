package dev.nnet.emit;

import com.squareup.javapoet.MethodSpec;
import dev.nnet.analysis.Op;
import java.util.List;

/** flatten: an image stored channels-last is reordered to C, H, W (PyTorch's order); the network's own input already is, and is copied. */
final class FlattenEmitter extends LayerEmitter {
  private final Op.Flatten f;

  FlattenEmitter(EmitContext ctx, Op.Flatten f, String in, String inGrad) {
    super(ctx, f, in, inGrad);
    this.f = f;
  }

  @Override
  Op op() {
    return f;
  }

  @Override
  List<MethodSpec> forward() {
    if (!f.reorders()) {
      return List.of(method(f.name() + "Forward", "$L forward: $L becomes [$L], the same values in the same order.", f.name(), f.inputShape(),
          f.inputSize()).addStatement("System.arraycopy($L, 0, $L, 0, $L)", in, out, size()).build());
    }
    return List.of(reorder(method(f.name() + "Forward", "$L forward: $L, stored channels-last, becomes [$L] in PyTorch's order (channel, y, x).",
        f.name(), f.inputShape(), f.inputSize()), out, in, false));
  }

  /** {@code to[s][c][q] = from[s][q][c]} (or back): q runs over the image's pixels. */
  private MethodSpec reorder(MethodSpec.Builder mb, String to, String from, boolean back) {
    int[] d = f.inputShape().dims();
    int ch = d[0], q = d[1] * d[2], n = f.inputSize();
    mb.beginControlFlow("for (int s = 0; s < $L; s++)", ctx.batch())
        .beginControlFlow("for (int c = 0; c < $L; c++)", ch)
        .addStatement(back ? "for (int q = 0; q < $L; q++) $L[s * $L + q * $L + c] = $L[s * $L + c * $L + q]"
            : "for (int q = 0; q < $L; q++) $L[s * $L + c * $L + q] = $L[s * $L + q * $L + c]", q, to, n, back ? ch : q, from, n, back ? q : ch)
        .endControlFlow().endControlFlow();
    return mb.build();
  }

  @Override
  List<MethodSpec> backward() {
    if (inGrad == null) return List.of();
    if (!f.reorders()) {
      return List.of(method(f.name() + "Backward", "$L backward: the gradient goes back unchanged.", f.name())
          .addStatement("System.arraycopy($L, 0, $L, 0, $L)", outGrad, inGrad, size()).build());
    }
    return List.of(reorder(method(f.name() + "Backward", "$L backward: the gradient goes back to channels-last order.", f.name()), inGrad, outGrad, true));
  }
}
