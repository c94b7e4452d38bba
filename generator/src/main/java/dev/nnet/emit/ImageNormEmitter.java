package dev.nnet.emit;

import com.squareup.javapoet.FieldSpec;
import com.squareup.javapoet.MethodSpec;
import com.squareup.javapoet.TypeSpec;
import dev.nnet.analysis.Op;
import dev.nnet.layout.Layout;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * groupnorm and layernorm on an image, PyTorch's GroupNorm(G, C) (layernorm is one group): per sample and
 * group of C/G channels, over those channels at every pixel (m values), x̂ = (x − μ)/√(σ² + ε), y = γ·x̂ + β
 * with γ, β per channel; the same in training and evaluation. Backward, with g = dy·γ:
 * dx = (g − mean(g) − x̂·mean(g·x̂)) / √(σ² + ε) over the group; dγ, dβ summed over samples and pixels.
 * The image is channels-last: a pixel's group is a run of C/G channels.
 */
final class ImageNormEmitter extends LayerEmitter {
  private final Op.LayerNorm ln;
  private final Op.Image img;
  private final Layout.Tensor gamma, beta;
  private final String invStd, norm;
  private final int group; // channels per group

  ImageNormEmitter(EmitContext ctx, Op.LayerNorm ln, String in, String inGrad) {
    super(ctx, ln, in, inGrad);
    this.ln = ln;
    this.img = ln.image();
    this.gamma = ctx.layout().tensor(ln, ".weight");
    this.beta = ctx.layout().tensor(ln, ".bias");
    this.invStd = ln.name() + "InvStd";
    this.norm = ln.name() + "Normalized";
    this.group = img.channels() / ln.groups();
  }

  @Override
  Op op() {
    return ln;
  }

  @Override
  void declare(TypeSpec.Builder cls) {
    cls.addField(FieldSpec.builder(ctx.array(), invStd, Modifier.PRIVATE, Modifier.FINAL).addJavadoc("1/√(σ² + ε) of each sample's groups.\n")
        .initializer("new $T[$L]", ctx.elem(), ctx.batch() * ln.groups()).build());
    cls.addField(FieldSpec.builder(ctx.array(), norm, Modifier.PRIVATE, Modifier.FINAL).addJavadoc("x̂ of the last pass, for backward.\n")
        .initializer("new $T[$L]", ctx.elem(), size()).build());
  }

  /** Opens the loops over samples s and groups g, and declares {@code base}, the group's first value in the sample. */
  private void eachGroup(MethodSpec.Builder mb) {
    mb.beginControlFlow("for (int s = 0; s < $L; s++)", ctx.batch())
        .beginControlFlow("for (int g = 0; g < $L; g++)", ln.groups())
        .addStatement("int base = s * $L + g * $L", img.size(), group);
  }

  /** Opens the loops over the group's values: {@code i} the value's index, {@code c} its channel. */
  private void eachValue(MethodSpec.Builder mb) {
    mb.beginControlFlow("for (int q = 0; q < $L; q++)", img.positions())
        .beginControlFlow("for (int j = 0; j < $L; j++)", group)
        .addStatement("int i = base + q * $L + j", img.channels());
  }

  private static void close(MethodSpec.Builder mb) {
    mb.endControlFlow().endControlFlow();
  }

  @Override
  List<MethodSpec> forward() {
    int m = group * img.positions();
    MethodSpec.Builder mb = method(ln.name() + "Forward", "$L forward: each sample's groups of $L channels normalized over their $L values; γ, β per channel.",
        ln.name(), group, m);
    eachGroup(mb);
    mb.addStatement("double sum = 0");
    eachValue(mb);
    mb.addStatement("sum += $L[i]", in);
    close(mb);
    mb.addStatement("double mean = sum / $L", m).addStatement("double squares = 0");
    eachValue(mb);
    mb.addStatement("double d = $L[i] - mean", in).addStatement("squares += d * d");
    close(mb);
    mb.addStatement("double inv = 1 / Math.sqrt(squares / $L + $L)", m, ln.eps())
        .addStatement("$L[s * $L + g] = $Linv", invStd, ln.groups(), ctx.narrow());
    eachValue(mb);
    mb.addStatement("$T h = $L(($L[i] - mean) * inv)", ctx.elem(), ctx.narrow(), in)
        .addStatement("$L[i] = h", norm)
        .addStatement("$L[i] = params[$L + g * $L + j] * h + params[$L + g * $L + j]", out, gamma.constant(), group, beta.constant(), group);
    close(mb);
    close(mb);
    return List.of(mb.build());
  }

  @Override
  List<MethodSpec> backward() {
    int m = group * img.positions();
    MethodSpec.Builder mb = method(ln.name() + "Backward", "$L backward: dγ, dβ per channel$L.", ln.name(), inGrad == null ? "" : " and the input gradient");
    mb.addStatement("java.util.Arrays.fill(grads, $L, $L + $L, 0)", gamma.constant(), gamma.constant(), img.channels())
        .addStatement("java.util.Arrays.fill(grads, $L, $L + $L, 0)", beta.constant(), beta.constant(), img.channels());
    eachGroup(mb);
    mb.addStatement("int c0 = g * $L", group);
    if (inGrad != null) mb.addStatement("double sumG = 0, sumGX = 0");
    eachValue(mb);
    mb.addStatement("$T dy = $L[i]", ctx.elem(), outGrad)
        .addStatement("grads[$L + c0 + j] += dy * $L[i]", gamma.constant(), norm)
        .addStatement("grads[$L + c0 + j] += dy", beta.constant());
    if (inGrad != null) {
      mb.addStatement("double gi = dy * params[$L + c0 + j]", gamma.constant())
          .addStatement("sumG += gi")
          .addStatement("sumGX += gi * $L[i]", norm);
    }
    close(mb);
    if (inGrad != null) {
      mb.addStatement("double meanG = sumG / $L, meanGX = sumGX / $L, inv = $L[s * $L + g]", m, m, invStd, ln.groups());
      eachValue(mb);
      mb.addStatement("$L[i] = $L((dy(i) - meanG - $L[i] * meanGX) * inv)".replace("dy(i)", outGrad + "[i] * params[" + gamma.constant() + " + c0 + j]"),
          inGrad, ctx.narrow(), norm);
      close(mb);
    }
    close(mb);
    return List.of(mb.build());
  }

  @Override
  void initialize(MethodSpec.Builder init) {
    initNorm(init, ln.name(), gamma, beta);
  }
}
