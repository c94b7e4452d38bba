package dev.nnet.emit;

import com.squareup.javapoet.FieldSpec;
import com.squareup.javapoet.MethodSpec;
import com.squareup.javapoet.TypeSpec;
import dev.nnet.analysis.Op;
import dev.nnet.layout.Layout;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * layernorm and groupnorm: per sample r and group (layernorm: one group of all N features), over the
 * group's m features, x̂ = (x − μ)/√(σ² + ε), y = γ·x̂ + β (γ, β per feature). Backward, with g = dy·γ:
 * dx = (g − mean(g) − x̂·mean(g·x̂)) / √(σ² + ε) over the group; dγ = Σ_r dy·x̂, dβ = Σ_r dy.
 */
final class LayerNormEmitter extends LayerEmitter {
  private final Op.LayerNorm ln;
  private final Layout.Tensor gamma, beta;
  private final String invStd, norm;

  LayerNormEmitter(EmitContext ctx, Op.LayerNorm ln, String in, String inGrad) {
    super(ctx, ln, in, inGrad);
    this.ln = ln;
    this.gamma = ctx.layout().tensor(ln, ".weight");
    this.beta = ctx.layout().tensor(ln, ".bias");
    this.invStd = ln.name() + "InvStd";
    this.norm = ln.name() + "Normalized";
  }

  @Override
  Op op() {
    return ln;
  }

  @Override
  void declare(TypeSpec.Builder cls) {
    cls.addField(FieldSpec.builder(ctx.array(), invStd, Modifier.PRIVATE, Modifier.FINAL).addJavadoc("1/√(σ² + ε) of each sample's groups.\n")
        .initializer("new $T[$L]", ctx.elem(), ctx.batch() * ln.groups()).build());
    cls.addField(FieldSpec.builder(ctx.array(), norm, Modifier.PRIVATE, Modifier.FINAL).addJavadoc("x̂, [$L][$L], for backward.\n", ctx.batch(), ln.outputSize())
        .initializer("new $T[$L]", ctx.elem(), size()).build());
  }

  @Override
  List<MethodSpec> forward() {
    int n = ln.outputSize(), groups = ln.groups(), m = n / groups;
    return List.of(method(ln.name() + "Forward", "$L forward: normalizes each sample over each group of $L features.", ln.name(), m)
        .beginControlFlow("for (int r = 0; r < $L; r++)", ctx.batch() * groups)
        .addStatement("int o = r * $L", m)
        .addStatement("double mean = 0, var = 0")
        .addComment("r runs over (sample, group) pairs; f is the group's first feature")
        .addStatement("int f = (r % $L) * $L", groups, m)
        .addStatement("for (int j = 0; j < $L; j++) mean += $L[o + j]", m, in)
        .addStatement("mean /= $L", m)
        .addStatement("for (int j = 0; j < $L; j++) var += ($L[o + j] - mean) * ($L[o + j] - mean)", m, in, in)
        .addStatement("$T inv = $L(1 / Math.sqrt(var / $L + $L))", ctx.elem(), ctx.narrow(), m, ln.eps())
        .addStatement("$L[r] = inv", invStd)
        .beginControlFlow("for (int j = 0; j < $L; j++)", m)
        .addStatement("$T xhat = $L($L[o + j] - mean) * inv", ctx.elem(), ctx.narrow(), in)
        .addStatement("$L[o + j] = xhat", norm)
        .addStatement("$L[o + j] = params[$L + f + j] * xhat + params[$L + f + j]", out, gamma.constant(), beta.constant())
        .endControlFlow().endControlFlow().build());
  }

  @Override
  List<MethodSpec> backward() {
    int n = ln.outputSize(), groups = ln.groups(), m = n / groups;
    MethodSpec.Builder mb = method(ln.name() + "Backward", "$L backward: dγ, dβ$L.", ln.name(), inGrad == null ? "" : " and the input gradient")
        .addStatement("java.util.Arrays.fill(grads, $L, $L + $L, 0)", gamma.constant(), gamma.constant(), n)
        .addStatement("java.util.Arrays.fill(grads, $L, $L + $L, 0)", beta.constant(), beta.constant(), n)
        .beginControlFlow("for (int r = 0; r < $L; r++)", ctx.batch() * groups)
        .addStatement("int o = r * $L", m)
        .addStatement("int f = (r % $L) * $L", groups, m)
        .addStatement("double meanG = 0, meanGx = 0")
        .beginControlFlow("for (int j = 0; j < $L; j++)", m)
        .addStatement("$T dy = $L[o + j]", ctx.elem(), outGrad)
        .addStatement("grads[$L + f + j] += dy * $L[o + j]", gamma.constant(), norm)
        .addStatement("grads[$L + f + j] += dy", beta.constant())
        .addStatement("double g = dy * params[$L + f + j]", gamma.constant())
        .addStatement("meanG += g")
        .addStatement("meanGx += g * $L[o + j]", norm)
        .endControlFlow();
    if (inGrad != null) {
      mb.addStatement("meanG /= $L", m).addStatement("meanGx /= $L", m)
          .addStatement("for (int j = 0; j < $L; j++) $L[o + j] = $L((params[$L + f + j] * $L[o + j] - meanG - $L[o + j] * meanGx) * $L[r])",
              m, inGrad, ctx.narrow(), gamma.constant(), outGrad, norm, invStd);
    }
    return List.of(mb.endControlFlow().build());
  }

  @Override
  void initialize(MethodSpec.Builder init) {
    initNorm(init, ln.name(), gamma, beta);
  }
}
