package dev.nnet.emit;

import com.squareup.javapoet.MethodSpec;
import dev.nnet.analysis.Op;
import java.util.List;

/**
 * relu, sigmoid, tanh: elementwise over the batch. Backward uses the output y, which all three can:
 * relu' = [y > 0], sigmoid' = y(1 − y), tanh' = 1 − y².
 */
final class ActivationEmitter extends LayerEmitter {
  private final Op.Activation a;

  ActivationEmitter(EmitContext ctx, Op.Activation a, String in, String inGrad) {
    super(ctx, a, in, inGrad);
    this.a = a;
  }

  @Override
  Op op() {
    return a;
  }

  @Override
  List<MethodSpec> forward() {
    String one = ctx.lit(1);
    String body = switch (a.kind()) {
      case RELU -> out + "[i] = Math.max(" + in + "[i], " + ctx.lit(0) + ")";
      case SIGMOID -> out + "[i] = " + one + " / (" + one + " + " + ctx.narrow() + "Math.exp(-" + in + "[i]))";
      case TANH -> out + "[i] = " + ctx.narrow() + "Math.tanh(" + in + "[i])";
    };
    return List.of(method(a.name() + "Forward", "$L forward: $L = $L($L), elementwise over [$L][$L].", a.name(), out,
        a.kind().keyword, in, ctx.batch(), a.outputSize())
        .addStatement("for (int i = 0; i < $L; i++) $L", size(), body).build());
  }

  @Override
  List<MethodSpec> backward() {
    if (inGrad == null) return List.of();
    String y = out + "[i]", dy = outGrad + "[i]";
    String body = switch (a.kind()) {
      case RELU -> inGrad + "[i] = " + y + " > 0 ? " + dy + " : 0";
      case SIGMOID -> inGrad + "[i] = " + dy + " * " + y + " * (" + ctx.lit(1) + " - " + y + ")";
      case TANH -> inGrad + "[i] = " + dy + " * (" + ctx.lit(1) + " - " + y + " * " + y + ")";
    };
    return List.of(method(a.name() + "Backward", "$L backward: $L = $L · $L'(x), from the output.", a.name(), inGrad, outGrad,
        a.kind().keyword).addStatement("for (int i = 0; i < $L; i++) $L", size(), body).build());
  }
}
