package dev.nnet.emit;

import com.squareup.javapoet.FieldSpec;
import com.squareup.javapoet.MethodSpec;
import com.squareup.javapoet.TypeSpec;
import dev.nnet.analysis.Op;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * channel_dropout (PyTorch's Dropout2d): in training each sample's channels are dropped whole with
 * probability p and the survivors scaled by 1/(1 − p); the identity in evaluation. One draw per (sample,
 * channel), hashed from the step's seed as {@link DropoutEmitter} does, kept for backward.
 */
final class ChannelDropoutEmitter extends LayerEmitter {
  private final Op.ChannelDropout d;
  private final Op.Image img;
  private final String mask, seed;

  ChannelDropoutEmitter(EmitContext ctx, Op.ChannelDropout d, String in, String inGrad) {
    super(ctx, d, in, inGrad);
    this.d = d;
    this.img = d.input();
    this.mask = d.name() + "Mask";
    this.seed = d.name() + "Seed";
  }

  @Override
  Op op() {
    return d;
  }

  @Override
  void declare(TypeSpec.Builder cls) {
    if (ctx.inference()) return;
    cls.addField(FieldSpec.builder(ctx.array(), mask, Modifier.PRIVATE, Modifier.FINAL)
        .addJavadoc("Per sample and channel: 0 when dropped, 1/(1 − p) when kept; drawn each training step.\n")
        .initializer("new $T[$L]", ctx.elem(), ctx.batch() * img.channels()).build());
    cls.addField(FieldSpec.builder(int.class, seed, Modifier.PRIVATE)
        .addJavadoc("This step's seed for $L's masks.\n", d.name()).build());
  }

  @Override
  void beforeForward(MethodSpec.Builder forward) {
    if (!ctx.inference()) forward.addStatement("if (training) $L = (int) noise.nextLong()", seed);
  }

  /** Loops over every value, {@code i} its index and {@code m} its (sample, channel) index. */
  private void eachValue(MethodSpec.Builder mb) {
    int ch = img.channels();
    mb.beginControlFlow("for (int s = 0; s < $L; s++)", ctx.batch())
        .beginControlFlow("for (int q = 0; q < $L; q++)", img.positions())
        .beginControlFlow("for (int c = 0; c < $L; c++)", ch)
        .addStatement("int i = s * $L + $L + $L", img.size(), Gemm.times("q", img.channelsLast() ? ch : 1), Gemm.times("c", img.cStride()))
        .addStatement("int m = s * $L + c", ch);
  }

  @Override
  List<MethodSpec> forward() {
    int ch = img.channels();
    MethodSpec.Builder mb = method(d.name() + "Forward", "$L forward: drops each sample's channels with probability $L in training; the identity in evaluation.",
        d.name(), ctx.shown(d.name() + "Threshold", d.p()));
    if (!ctx.inference()) {
      String threshold = ctx.intValue(d.name() + "Threshold", (int) Math.round(d.p() * (1 << 24)));
      mb.beginControlFlow("if (training)")
          .beginControlFlow("for (int m = 0; m < $L; m++)", ctx.batch() * ch);
      DropoutEmitter.hash(mb, seed, "m");
      mb.addStatement("$L[m] = (((h >>> 8) - $L) >>> 31) == 1 ? 0 : $L", mask, threshold, ctx.value(d.name() + "Scale", 1.0 / (1.0 - d.p())))
          .endControlFlow();
      eachValue(mb);
      mb.addStatement("$L[i] = $L[i] * $L[m]", out, in, mask);
      mb.endControlFlow().endControlFlow().endControlFlow()
          .addStatement("return").endControlFlow();
    }
    mb.addStatement("System.arraycopy($L, 0, $L, 0, $L)", in, out, size());
    return List.of(mb.build());
  }

  @Override
  List<MethodSpec> backward() {
    if (inGrad == null) return List.of();
    MethodSpec.Builder mb = method(d.name() + "Backward", "$L backward: $L = $L · the channel's mask.", d.name(), inGrad, outGrad);
    eachValue(mb);
    mb.addStatement("$L[i] = $L[i] * $L[m]", inGrad, outGrad, mask);
    mb.endControlFlow().endControlFlow().endControlFlow();
    return List.of(mb.build());
  }
}
