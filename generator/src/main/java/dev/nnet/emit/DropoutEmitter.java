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
  private final String mask, seed;

  DropoutEmitter(EmitContext ctx, Op.Dropout d, String in, String inGrad) {
    super(ctx, d, in, inGrad);
    this.d = d;
    this.mask = d.name() + "Mask";
    this.seed = d.name() + "Seed";
  }

  @Override
  Op op() {
    return d;
  }

  @Override
  boolean columnwise() {
    return true;
  }

  /** The drop probability as a threshold on a 24-bit draw. */
  private String threshold() {
    return ctx.intValue(d.name() + "Threshold", (int) Math.round(d.p() * (1 << 24)));
  }

  @Override
  void declare(TypeSpec.Builder cls) {
    if (ctx.inference()) return;
    cls.addField(FieldSpec.builder(ctx.array(), mask, Modifier.PRIVATE, Modifier.FINAL)
        .addJavadoc("0 for dropped units, 1/(1 − p) for kept ones, drawn each training step.\n")
        .initializer("new $T[$L]", ctx.elem(), size()).build());
    cls.addField(FieldSpec.builder(int.class, seed, Modifier.PRIVATE)
        .addJavadoc("This step's seed for $L's masks, drawn from noise when a training pass starts.\n", d.name()).build());
  }

  @Override
  void beforeForward(MethodSpec.Builder forward) {
    if (!ctx.inference()) forward.addStatement("if (training) $L = (int) noise.nextLong()", seed);
  }

  @Override
  List<MethodSpec> forward() {
    int n = d.outputSize();
    MethodSpec.Builder mb = columnMethod(d.name() + "Forward", "$L forward: drops each unit with probability $L in training, keeps all in evaluation; columns c0..c1−1.",
        d.name(), ctx.shown(d.name() + "Threshold", d.p()));
    if (!ctx.inference()) mb.beginControlFlow("if (training)");
    if (!ctx.inference()) {
      mb.addComment("Each unit's draw is a hash of the step's seed and the unit's index, not the next number of a")
          .addComment("sequence: any part of the batch can be drawn on any thread, in any order, with the same result.");
      eachElement(mb);
      hash(mb, seed, "i");
      mb.addComment("1 when the draw (24 bits) falls below p·2^24 = $L: dropped. Branch-free, so C2 vectorizes the loop.", threshold())
          .addStatement("int dropped = ((h >>> 8) - $L) >>> 31", threshold())
          .addStatement("$T m = (1 - dropped) * $L", ctx.elem(), ctx.value(d.name() + "Scale", 1.0 / (1.0 - d.p())))
          .addStatement("$L[i] = m", mask)
          .addStatement("$L[i] = $L[i] * m", out, in)
          .endControlFlow().endControlFlow()
          .addStatement("return")
          .endControlFlow();
    }
    mb.addStatement("for (int r = 0; r < $L; r++) System.arraycopy($L, r * $L + c0, $L, r * $L + c0, c1 - c0)", ctx.batch(), in, n, out, n);
    return List.of(mb.build());
  }

  /** Declares {@code h}, a well-mixed hash of the step's seed and {@code index} (Murmur3's finalizer). */
  static void hash(MethodSpec.Builder mb, String seed, String index) {
    mb.addStatement("int h = $L + $L * 0x9E3779B9", seed, index)
        .addStatement("h = (h ^ (h >>> 16)) * 0x85EBCA6B")
        .addStatement("h = (h ^ (h >>> 13)) * 0xC2B2AE35")
        .addStatement("h ^= h >>> 16");
  }

  @Override
  List<MethodSpec> backward() {
    if (inGrad == null) return List.of();
    MethodSpec.Builder mb = columnMethod(d.name() + "Backward", "$L backward: $L = $L · mask, over columns c0..c1−1.", d.name(), inGrad, outGrad);
    eachElement(mb);
    return List.of(mb.addStatement("$L[i] = $L[i] * $L[i]", inGrad, outGrad, mask).endControlFlow().endControlFlow().build());
  }
}
