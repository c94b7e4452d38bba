package dev.nnet.emit;

import com.squareup.javapoet.FieldSpec;
import com.squareup.javapoet.MethodSpec;
import com.squareup.javapoet.TypeSpec;
import dev.nnet.analysis.Op;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * Inverted dropout: in training each unit is zeroed with probability p (the DROP probability) and the
 * survivors are scaled by 1/(1 − p), so evaluation uses the layer as the identity. The mask is kept for
 * backward: dx = dy · mask.
 */
final class DropoutEmitter extends LayerEmitter {
  private final Op.Dropout d;
  private final String mask;

  DropoutEmitter(EmitContext ctx, Op.Dropout d, String in, String inGrad) {
    super(ctx, d, in, inGrad);
    this.d = d;
    this.mask = d.name() + "Mask";
  }

  @Override
  Op op() {
    return d;
  }

  @Override
  void declare(TypeSpec.Builder cls) {
    if (ctx.inference()) return;
    cls.addField(FieldSpec.builder(ctx.array(), mask, Modifier.PRIVATE, Modifier.FINAL)
        .addJavadoc("0 for dropped units, 1/(1 − p) for kept ones, drawn each training step.\n")
        .initializer("new $T[$L]", ctx.elem(), size()).build());
  }

  @Override
  String forwardCall() {
    return d.name() + (ctx.inference() ? "Forward()" : "Forward(training)");
  }

  @Override
  List<MethodSpec> forward() {
    if (ctx.inference()) {
      return List.of(method(d.name() + "Forward", "$L in evaluation mode: the identity.", d.name())
          .addStatement("System.arraycopy($L, 0, $L, 0, $L)", in, out, size()).build());
    }
    return List.of(method(d.name() + "Forward", "$L forward: drops each unit with probability $L in training, keeps all in evaluation.",
        d.name(), d.p())
        .addParameter(boolean.class, "training")
        .beginControlFlow("if (!training)")
        .addStatement("System.arraycopy($L, 0, $L, 0, $L)", in, out, size())
        .addStatement("return")
        .endControlFlow()
        .beginControlFlow("for (int i = 0; i < $L; i++)", size())
        .addStatement("$T m = noise.nextFloat() < $Lf ? 0 : $L", ctx.elem(), (float) d.p(), ctx.lit(1.0 / (1.0 - d.p())))
        .addStatement("$L[i] = m", mask)
        .addStatement("$L[i] = $L[i] * m", out, in)
        .endControlFlow().build());
  }

  @Override
  List<MethodSpec> backward() {
    if (inGrad == null) return List.of();
    return List.of(method(d.name() + "Backward", "$L backward: $L = $L · mask.", d.name(), inGrad, outGrad)
        .addStatement("for (int i = 0; i < $L; i++) $L[i] = $L[i] * $L[i]", size(), inGrad, outGrad, mask).build());
  }
}
