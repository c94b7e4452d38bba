package dev.nnet.emit;

import com.squareup.javapoet.ClassName;
import com.squareup.javapoet.FieldSpec;
import com.squareup.javapoet.MethodSpec;
import com.squareup.javapoet.TypeSpec;
import dev.nnet.analysis.Op;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * Pooling, output channels-last [sample][oy][ox][channel]. Max pooling keeps, per output, the index of the
 * input it chose (the first largest, in window order, as PyTorch; a NaN wins and stays), and its backward
 * pass sends each output's gradient there. Average pooling divides by the taps inside the image (padding
 * is not counted), and its backward pass shares each output's gradient equally among them. Global average
 * pooling is the mean of each channel over the whole image.
 */
final class PoolEmitter extends LayerEmitter {
  private final Op.Pool p;
  private final Op.Image img;
  private final String argmax;

  PoolEmitter(EmitContext ctx, Op.Pool p, String in, String inGrad) {
    super(ctx, p, in, inGrad);
    this.p = p;
    this.img = p.input();
    this.argmax = p.kind() == Op.Pool.Kind.MAX ? p.name() + "Argmax" : null;
  }

  @Override
  Op op() {
    return p;
  }

  @Override
  void declare(TypeSpec.Builder cls) {
    if (argmax == null || ctx.inference()) return;
    cls.addField(FieldSpec.builder(ctx.array(), argmax, Modifier.PRIVATE, Modifier.FINAL)
        .addJavadoc("For each output of the last pass, the tap of its window it took (ky·$L + kx), a whole number.\n", p.kw())
        .initializer("new $T[$L]", ctx.elem(), size()).build());
  }

  /** Opens the loops over samples and output pixels, and over the window's taps that lie inside the image (src: the tap's first channel). */
  private void eachWindow(MethodSpec.Builder mb, boolean count) {
    int ch = img.channels();
    mb.beginControlFlow("for (int s = 0; s < $L; s++)", ctx.batch())
        .beginControlFlow("for (int oy = 0; oy < $L; oy++)", p.outHeight())
        .beginControlFlow("for (int ox = 0; ox < $L; ox++)", p.outWidth())
        .addStatement("int o = ((s * $L + oy) * $L + ox) * $L", p.outHeight(), p.outWidth(), ch);
    if (count) {
      mb.addComment("the taps inside the image: padding is not averaged")
          .addStatement("int y0 = Math.max($L, 0), y1 = Math.min($L, $L)", ConvBase.offset("oy", p.stride(), p.padH(), "0", 1),
              ConvBase.offset("oy", p.stride(), p.padH(), "0", 1) + " + " + p.kh(), img.height())
          .addStatement("int x0 = Math.max($L, 0), x1 = Math.min($L, $L)", ConvBase.offset("ox", p.stride(), p.padW(), "0", 1),
              ConvBase.offset("ox", p.stride(), p.padW(), "0", 1) + " + " + p.kw(), img.width())
          .addStatement("$T share = $L / ((y1 - y0) * (x1 - x0))", ctx.elem(), ctx.lit(1));
    }
    mb.beginControlFlow("for (int ky = 0; ky < $L; ky++)", p.kh())
        .addStatement("int iy = $L", ConvBase.offset("oy", p.stride(), p.padH(), "ky", 1))
        .addStatement("if (iy < 0 || iy >= $L) continue", img.height())
        .beginControlFlow("for (int kx = 0; kx < $L; kx++)", p.kw())
        .addStatement("int ix = $L", ConvBase.offset("ox", p.stride(), p.padW(), "kx", 1))
        .addStatement("if (ix < 0 || ix >= $L) continue", img.width())
        .addStatement("int src = s * $L + $L + $L", img.size(), Gemm.times("iy", img.yStride()), Gemm.times("ix", img.xStride()));
  }

  private static void closeWindow(MethodSpec.Builder mb) {
    for (int i = 0; i < 5; i++) mb.endControlFlow();
  }

  private String channel() {
    return Gemm.times("c", img.cStride());
  }

  @Override
  List<MethodSpec> forward() {
    int ch = img.channels();
    if (p.kind() == Op.Pool.Kind.GLOBAL_AVG) {
      MethodSpec.Builder mb = method(p.name() + "Forward", "$L forward: the mean of each of the $L channels over its $L pixels.", p.name(), ch, img.positions())
          .addStatement("java.util.Arrays.fill($L, 0)", out)
          .beginControlFlow("for (int s = 0; s < $L; s++)", ctx.batch())
          .beginControlFlow("for (int q = 0; q < $L; q++)", img.positions())
          .addStatement("int src = s * $L + $L", img.size(), Gemm.times("q", img.channelsLast() ? ch : 1))
          .addStatement("for (int c = 0; c < $L; c++) $L[s * $L + c] += $L[src + $L]", ch, out, ch, in, channel())
          .endControlFlow().endControlFlow()
          .addStatement("for (int i = 0; i < $L; i++) $L[i] *= $L", size(), out, ctx.lit(1.0 / img.positions()));
      return List.of(mb.build());
    }
    if (p.kind() == Op.Pool.Kind.AVG) {
      MethodSpec.Builder mb = method(p.name() + "Forward", "$L forward: the mean of each $L×$L window's taps inside the image, per channel.", p.name(), p.kh(), p.kw())
          .addStatement("java.util.Arrays.fill($L, 0)", out);
      eachWindow(mb, true);
      mb.addStatement("for (int c = 0; c < $L; c++) $L[o + c] += share * $L[src + $L]", ch, out, in, channel());
      closeWindow(mb);
      return List.of(mb.build());
    }
    return vectorMax() ? List.of(entry("Forward"), maxVector()) : List.of(maxScalar());
  }

  /** Whether the vector forms are shared among threads, by samples. */
  private boolean shared() {
    return ctx.threaded() && ctx.batch() > 1 && (long) ctx.batch() * img.size() >= Tasks.MIN_ELEMENTS;
  }

  /** The entry of a vector form: it runs the samples' parts, shared among threads when worth it. */
  private MethodSpec entry(String direction) {
    String parts = p.name() + direction + "Samples";
    return method(p.name() + direction, "$L $L: $L.", p.name(), direction.toLowerCase(java.util.Locale.ROOT),
        shared() ? "shared among threads by samples" : "all samples")
        .addStatement(shared() ? ctx.tasks().call(parts) : parts + "(0, 1)").build();
  }

  /** {@code for (int s = …)} over this part's samples. */
  private void eachSample(MethodSpec.Builder mb) {
    int b = ctx.batch();
    mb.addParameter(int.class, "part").addParameter(int.class, "parts")
        .beginControlFlow("for (int s = $L * part / parts, end = $L * (part + 1) / parts; s < end; s++)", b, b);
  }

  /** Whether the windows do not overlap and have no padding: each input value lies in one window at most. */
  private boolean tiles() {
    return p.stride() == p.kh() && p.stride() == p.kw() && p.padH() == 0 && p.padW() == 0;
  }

  /**
   * Max pooling's backward pass where windows do not overlap: each input value receives its window's gradient
   * where it was the tap taken, 0 elsewhere: a compare and a blend per tap, every input written once.
   */
  private MethodSpec maxBackwardVector() {
    int ch = img.channels(), lanes = ctx.lanes();
    var V = ctx.vectorClass();
    MethodSpec.Builder mb = method(p.name() + "BackwardSamples", "$L backward: each input of a window gets the window's gradient if it was the tap taken, else 0; $L channels at a time; this part's samples.",
        p.name(), lanes);
    mb.addStatement("$T zero = $T.zero(S)", V, V);
    for (int t = 0; t < p.kh() * p.kw(); t++) mb.addStatement("$T tap$L = $T.broadcast(S, $L)", V, t, V, ctx.lit(t));
    eachSample(mb);
    if (img.height() % p.kh() != 0 || img.width() % p.kw() != 0) {
      mb.addComment("the last rows or columns lie in no window").addStatement("java.util.Arrays.fill($L, s * $L, (s + 1) * $L, 0)", inGrad, img.size(), img.size());
    }
    mb.beginControlFlow("for (int oy = 0; oy < $L; oy++)", p.outHeight())
        .beginControlFlow("for (int ox = 0; ox < $L; ox++)", p.outWidth())
        .addStatement("int o = ((s * $L + oy) * $L + ox) * $L", p.outHeight(), p.outWidth(), ch)
        .beginControlFlow("for (int c = 0; c < $L; c += $L)", ch, lanes)
        .addStatement("$T tap = $T.fromArray(S, $L, o + c)", V, V, argmax)
        .addStatement("$T g = $T.fromArray(S, $L, o + c)", V, V, outGrad);
    for (int ky = 0; ky < p.kh(); ky++) {
      for (int kx = 0; kx < p.kw(); kx++) {
        mb.addStatement("zero.blend(g, tap.eq(tap$L)).intoArray($L, s * $L + $L + $L + c)", ky * p.kw() + kx, inGrad, img.size(),
            Gemm.sum(Gemm.times("oy", p.stride() * img.yStride()), Integer.toString(ky * img.yStride())),
            Gemm.sum(Gemm.times("ox", p.stride() * img.xStride()), Integer.toString(kx * img.xStride())));
      }
    }
    mb.endControlFlow().endControlFlow().endControlFlow().endControlFlow();
    return mb.build();
  }

  /** Whether max pooling runs on whole vectors of channels: channels-last, and the channels fill vectors. */
  private boolean vectorMax() {
    return ctx.vector() && img.channelsLast() && img.channels() % ctx.lanes() == 0;
  }

  /** The first tap of the window at (oy, ox) inside the image: the tap taken when every value is −∞. */
  private void firstTap(MethodSpec.Builder mb) {
    String y = p.padH() == 0 ? "0" : "Math.max(0, " + p.padH() + " - " + Gemm.times("oy", p.stride()) + ")";
    String x = p.padW() == 0 ? "0" : "Math.max(0, " + p.padW() + " - " + Gemm.times("ox", p.stride()) + ")";
    mb.addStatement("int first = $L", Gemm.sum(Gemm.times(y, p.kw()), x));
  }

  private MethodSpec maxScalar() {
    int ch = img.channels();
    boolean keep = !ctx.inference();
    MethodSpec.Builder mb = method(p.name() + "Forward", "$L forward: the largest of each $L×$L window's taps inside the image, per channel$L.", p.name(), p.kh(), p.kw(),
        keep ? ", and which tap it was" : "");
    mb.addStatement("java.util.Arrays.fill($L, $T.NEGATIVE_INFINITY)", out, ctx.f32() ? Float.class : Double.class);
    if (keep) {
      mb.beginControlFlow("for (int oy = 0; oy < $L; oy++)", p.outHeight()).beginControlFlow("for (int ox = 0; ox < $L; ox++)", p.outWidth());
      firstTap(mb);
      mb.addStatement("for (int s = 0; s < $L; s++) java.util.Arrays.fill($L, ((s * $L + oy) * $L + ox) * $L, ((s * $L + oy) * $L + ox + 1) * $L, first)",
          ctx.batch(), argmax, p.outHeight(), p.outWidth(), ch, p.outHeight(), p.outWidth(), ch);
      mb.endControlFlow().endControlFlow();
    }
    eachWindow(mb, false);
    mb.beginControlFlow("for (int c = 0; c < $L; c++)", ch)
        .addStatement("$T v = $L[src + $L]", ctx.elem(), in, channel())
        .addStatement("$T m = $L[o + c]", ctx.elem(), out)
        .addComment("the first largest; a NaN is taken and kept, as PyTorch does");
    if (keep) {
      mb.beginControlFlow("if (v > m || v != v && m == m)")
          .addStatement("$L[o + c] = v", out).addStatement("$L[o + c] = ky * $L + kx", argmax, p.kw()).endControlFlow();
    } else {
      mb.addStatement("if (v > m || v != v && m == m) $L[o + c] = v", out);
    }
    mb.endControlFlow();
    closeWindow(mb);
    return mb.build();
  }

  /** Max pooling on vectors of channels: a compare and a blend per tap, no branch. */
  private MethodSpec maxVector() {
    int ch = img.channels(), lanes = ctx.lanes();
    boolean keep = !ctx.inference();
    var V = ctx.vectorClass();
    ClassName ops = ClassName.get("jdk.incubator.vector", "VectorOperators");
    ClassName mask = ClassName.get("jdk.incubator.vector", "VectorMask");
    MethodSpec.Builder mb = method(p.name() + "ForwardSamples", "$L forward: the largest of each $L×$L window's taps inside the image, $L channels at a time$L; this part's samples.",
        p.name(), p.kh(), p.kw(), lanes, keep ? ", and which tap it was" : "");
    eachSample(mb);
    mb.beginControlFlow("for (int oy = 0; oy < $L; oy++)", p.outHeight())
        .beginControlFlow("for (int ox = 0; ox < $L; ox++)", p.outWidth())
        .addStatement("int o = ((s * $L + oy) * $L + ox) * $L", p.outHeight(), p.outWidth(), ch);
    if (keep) firstTap(mb);
    mb.beginControlFlow("for (int c = 0; c < $L; c += $L)", ch, lanes)
        .addStatement("$T best = $T.broadcast(S, $T.NEGATIVE_INFINITY)", V, V, ctx.f32() ? Float.class : Double.class);
    if (keep) mb.addStatement("$T tap = $T.broadcast(S, ($T) first)", V, V, ctx.elem());
    mb.beginControlFlow("for (int ky = 0; ky < $L; ky++)", p.kh())
        .addStatement("int iy = $L", ConvBase.offset("oy", p.stride(), p.padH(), "ky", 1))
        .addStatement("if (iy < 0 || iy >= $L) continue", img.height())
        .beginControlFlow("for (int kx = 0; kx < $L; kx++)", p.kw())
        .addStatement("int ix = $L", ConvBase.offset("ox", p.stride(), p.padW(), "kx", 1))
        .addStatement("if (ix < 0 || ix >= $L) continue", img.width())
        .addStatement("$T v = $T.fromArray(S, $L, s * $L + $L + $L + c)", V, V, in, img.size(), Gemm.times("iy", img.yStride()), Gemm.times("ix", img.xStride()))
        .addComment("the first largest; a NaN is taken, as PyTorch does")
        .addStatement("$T<$T> more = v.compare($T.GT, best).or(v.test($T.IS_NAN).andNot(best.test($T.IS_NAN)))", mask,
            ctx.f32() ? Float.class : Double.class, ops, ops, ops)
        .addStatement("best = best.blend(v, more)");
    if (keep) mb.addStatement("tap = tap.blend($T.broadcast(S, ($T) (ky * $L + kx)), more)", V, ctx.elem(), p.kw());
    mb.endControlFlow().endControlFlow()
        .addStatement("best.intoArray($L, o + c)", out);
    if (keep) mb.addStatement("tap.intoArray($L, o + c)", argmax);
    mb.endControlFlow().endControlFlow().endControlFlow().endControlFlow();
    return mb.build();
  }

  @Override
  List<MethodSpec> backward() {
    if (inGrad == null) return List.of();
    int ch = img.channels();
    if (p.kind() == Op.Pool.Kind.MAX && vectorMax() && tiles()) return List.of(entry("Backward"), maxBackwardVector());
    MethodSpec.Builder mb = method(p.name() + "Backward", "$L backward: $L from $L.", p.name(), inGrad, outGrad)
        .addStatement("java.util.Arrays.fill($L, 0)", inGrad);
    switch (p.kind()) {
      case MAX -> {
        mb.addComment("each output's gradient goes to the input it took")
            .beginControlFlow("for (int s = 0; s < $L; s++)", ctx.batch())
            .beginControlFlow("for (int oy = 0; oy < $L; oy++)", p.outHeight())
            .beginControlFlow("for (int ox = 0; ox < $L; ox++)", p.outWidth())
            .addStatement("int o = ((s * $L + oy) * $L + ox) * $L", p.outHeight(), p.outWidth(), ch)
            .beginControlFlow("for (int c = 0; c < $L; c++)", ch)
            .addStatement("int tap = (int) $L[o + c]", argmax)
            .addStatement("int iy = $L, ix = $L", ConvBase.offset("oy", p.stride(), p.padH(), "(tap / " + p.kw() + ")", 1),
                ConvBase.offset("ox", p.stride(), p.padW(), "(tap % " + p.kw() + ")", 1))
            .addStatement("$L[s * $L + $L + $L + $L] += $L[o + c]", inGrad, img.size(), Gemm.times("iy", img.yStride()), Gemm.times("ix", img.xStride()),
                channel(), outGrad)
            .endControlFlow().endControlFlow().endControlFlow().endControlFlow();
      }
      case AVG -> {
        eachWindow(mb, true);
        mb.addStatement("for (int c = 0; c < $L; c++) $L[src + $L] += share * $L[o + c]", ch, inGrad, channel(), outGrad);
        closeWindow(mb);
      }
      case GLOBAL_AVG -> mb.beginControlFlow("for (int s = 0; s < $L; s++)", ctx.batch())
          .beginControlFlow("for (int q = 0; q < $L; q++)", img.positions())
          .addStatement("int src = s * $L + $L", img.size(), Gemm.times("q", img.channelsLast() ? ch : 1))
          .addStatement("for (int c = 0; c < $L; c++) $L[src + $L] = $L[s * $L + c] * $L", ch, inGrad, channel(), outGrad, ch, ctx.lit(1.0 / img.positions()))
          .endControlFlow().endControlFlow();
    }
    return List.of(mb.build());
  }
}
