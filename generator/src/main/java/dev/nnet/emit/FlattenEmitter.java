package dev.nnet.emit;

import com.squareup.javapoet.MethodSpec;
import dev.nnet.analysis.Op;
import java.util.List;

/** flatten: the values are already in C, H, W order; forward copies them, backward copies the gradient back. */
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
    return List.of(method(f.name() + "Forward", "$L forward: $L becomes [$L], the same values in the same order.", f.name(), f.inputShape(),
        f.inputSize()).addStatement("System.arraycopy($L, 0, $L, 0, $L)", in, out, size()).build());
  }

  @Override
  List<MethodSpec> backward() {
    if (inGrad == null) return List.of();
    return List.of(method(f.name() + "Backward", "$L backward: the gradient goes back unchanged.", f.name())
        .addStatement("System.arraycopy($L, 0, $L, 0, $L)", outGrad, inGrad, size()).build());
  }
}
