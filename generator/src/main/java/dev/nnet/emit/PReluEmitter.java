package dev.nnet.emit;

import com.squareup.javapoet.MethodSpec;
import dev.nnet.analysis.Op;
import dev.nnet.layout.Layout;
import java.util.List;

/**
 * prelu: y = x if x > 0, else a·x, with a learned (shared, or one per unit). Backward: dx = dy or a·dy;
 * da = Σ over the batch (and the units sharing a) of dy·x where x ≤ 0.
 */
final class PReluEmitter extends LayerEmitter {
  private final Op.PRelu p;
  private final Layout.Tensor slope;

  PReluEmitter(EmitContext ctx, Op.PRelu p, String in, String inGrad) {
    super(ctx, p, in, inGrad);
    this.p = p;
    this.slope = ctx.layout().tensor(p, ".weight");
  }

  @Override
  Op op() {
    return p;
  }

  private String a() {
    return "params[" + slope.constant() + (p.perUnit() ? " + j]" : "]");
  }

  @Override
  List<MethodSpec> forward() {
    int n = p.outputSize();
    return List.of(method(p.name() + "Forward", "$L forward: x, or the learned slope times x where x ≤ 0.", p.name())
        .beginControlFlow("for (int r = 0; r < $L; r++)", ctx.batch())
        .addStatement("for (int j = 0; j < $L; j++) $L[r * $L + j] = $L[r * $L + j] > 0 ? $L[r * $L + j] : $L * $L[r * $L + j]", n, out, n, in, n, in, n, a(), in, n)
        .endControlFlow().build());
  }

  @Override
  List<MethodSpec> backward() {
    int n = p.outputSize();
    MethodSpec.Builder mb = method(p.name() + "Backward", "$L backward: the slope's gradient$L.", p.name(), inGrad == null ? "" : " and the input's")
        .addStatement("java.util.Arrays.fill(grads, $L, $L + $L, 0)", slope.constant(), slope.constant(), slope.size())
        .beginControlFlow("for (int r = 0; r < $L; r++)", ctx.batch())
        .beginControlFlow("for (int j = 0; j < $L; j++)", n)
        .addStatement("$T x = $L[r * $L + j], dy = $L[r * $L + j]", ctx.elem(), in, n, outGrad, n)
        .addStatement("if (x <= 0) grads[$L$L] += dy * x", slope.constant(), p.perUnit() ? " + j" : "");
    if (inGrad != null) mb.addStatement("$L[r * $L + j] = x > 0 ? dy : $L * dy", inGrad, n, a());
    return List.of(mb.endControlFlow().endControlFlow().build());
  }

  @Override
  void initialize(MethodSpec.Builder init) {
    init.addComment("$L: slope 0.25, as PyTorch", p.name());
    init.addStatement("$T.constant(params, $L, $L, 0.25)", RuntimeTypes.INITIALIZERS, slope.constant(), slope.size());
  }
}
