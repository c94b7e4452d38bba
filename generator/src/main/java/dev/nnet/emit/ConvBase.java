package dev.nnet.emit;

import com.squareup.javapoet.FieldSpec;
import com.squareup.javapoet.MethodSpec;
import com.squareup.javapoet.TypeSpec;
import dev.nnet.analysis.Op;
import dev.nnet.layout.Layout;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * What every convolution shares: its image patches. Row r = (sample, oy, ox) of the patch matrix holds the
 * kh·kw·C input values the output pixel (oy, ox) sees, tap by tap, each tap's C channels together (so a
 * channels-last input copies whole runs of channels), zero where a tap falls in the padding. The forward
 * pass is then a product of the patches with the kernels, the weight gradient the patches' transpose times
 * the output gradient, and the input gradient a product scattered back onto the image ("col2im"), which
 * reuses the patch buffer once the weight gradient no longer needs it.
 */
abstract class ConvBase extends LayerEmitter {
  final Op.Conv c;
  final Op.Image img;
  final int positions, taps, depth; // output pixels per sample; kh·kw; kh·kw·C, one patch row
  final String patches;
  final Layout.Tensor w, b;

  ConvBase(EmitContext ctx, Op.Conv c, String in, String inGrad) {
    super(ctx, c, in, inGrad);
    this.c = c;
    this.img = c.input();
    this.positions = c.outHeight() * c.outWidth();
    this.taps = c.kh() * c.kw();
    this.depth = taps * img.channels();
    this.patches = c.name() + "Patches";
    this.w = ctx.layout().tensor(c, ".weight");
    this.b = c.bias() ? ctx.layout().tensor(c, ".bias") : null;
  }

  @Override
  Op op() {
    return c;
  }

  /** Rows of the patch matrix in a batch: one per output pixel. */
  int rows() {
    return ctx.batch() * positions;
  }

  /** Whether this convolution keeps a patch matrix (an in-place forward product needs none for inference). */
  boolean needsPatches() {
    return true;
  }

  /** Mixed precision: the 16-bit format im2col writes the patches in (into {@link #patchesHalf}); null when float. */
  HalfEmitter half() {
    return null;
  }

  /** The 16-bit patch matrix of mixed precision. */
  String patchesHalf() {
    return c.name() + "PatchesHalf";
  }

  @Override
  void declare(TypeSpec.Builder cls) {
    if (!needsPatches()) return;
    if (half() != null) {
      cls.addField(FieldSpec.builder(short[].class, patchesHalf(), Modifier.PRIVATE, Modifier.FINAL)
          .addJavadoc("The image patches of the batch in $L, [$L][$L], for the forward product and the weight gradient.\n", ctx.mixed().keyword, rows(), depth)
          .initializer("new short[$L]", rows() * depth).build());
      if (inGrad == null) return; // the float patch matrix is only the input gradient's scratch
    }
    cls.addField(FieldSpec.builder(ctx.array(), patches, Modifier.PRIVATE, Modifier.FINAL)
        .addJavadoc("The image patches of the batch, [$L][$L] (sample·oy·ox, then ky·kx·channel); in backward, their gradient.\n", rows(), depth)
        .initializer("new $T[$L]", ctx.elem(), rows() * depth).build());
  }

  /** Whether im2col and col2im are shared among threads, by samples. */
  boolean splitPatches() {
    return ctx.threaded() && ctx.batch() > 1 && (long) rows() * depth >= Tasks.MIN_ELEMENTS;
  }

  String patchesCall(String method) {
    return splitPatches() ? ctx.tasks().call(method) : method + "(0, 1)";
  }

  /** Opens the loops over the samples of this part and each output pixel's taps; {@code dst} indexes the tap's patch entries, {@code src} its input pixel. */
  private void eachTap(MethodSpec.Builder mb) {
    int bsz = ctx.batch();
    mb.beginControlFlow("for (int s = $L * part / parts, end = $L * (part + 1) / parts; s < end; s++)", bsz, bsz)
        .beginControlFlow("for (int oy = 0; oy < $L; oy++)", c.outHeight())
        .beginControlFlow("for (int ox = 0; ox < $L; ox++)", c.outWidth())
        .addStatement("int dst = ((s * $L + oy) * $L + ox) * $L", c.outHeight(), c.outWidth(), depth)
        .beginControlFlow("for (int ky = 0; ky < $L; ky++)", c.kh())
        .addStatement("int iy = $L", offset("oy", c.stride(), c.padH(), "ky", c.dilation()))
        .beginControlFlow("for (int kx = 0; kx < $L; kx++, dst += $L)", c.kw(), img.channels())
        .addStatement("int ix = $L", offset("ox", c.stride(), c.padW(), "kx", c.dilation()));
  }

  /** {@code o·stride − pad + k·dilation}, folded. */
  static String offset(String o, int stride, int pad, String k, int dilation) {
    String s = Gemm.sum(Gemm.times(o, stride), Gemm.times(k, dilation));
    return pad == 0 ? s : s + " - " + pad;
  }

  private void closeTaps(MethodSpec.Builder mb) {
    for (int i = 0; i < 5; i++) mb.endControlFlow();
  }

  private String inside() {
    return "iy >= 0 && iy < " + img.height() + " && ix >= 0 && ix < " + img.width();
  }

  private String source() {
    return "s * " + img.size() + " + " + Gemm.times("iy", img.yStride()) + " + " + Gemm.times("ix", img.xStride());
  }

  /** im2col: the patches of samples in this part. */
  MethodSpec im2col() {
    int ch = img.channels();
    MethodSpec.Builder mb = method(c.name() + "Im2col", "$L's patches: $L[$L][$L] from $L, the taps in the padding zero; samples of part {@code part}.",
        c.name(), half() == null ? patches : patchesHalf(), rows(), depth, in).addParameter(int.class, "part").addParameter(int.class, "parts");
    eachTap(mb);
    mb.beginControlFlow("if ($L)", inside()).addStatement("int src = $L", source());
    HalfEmitter h = half();
    String to = h == null ? patches : patchesHalf();
    if (h != null && img.cStride() == 1 && ch >= ctx.lanes()) mb.addStatement(h.encode(in, "src", to, "dst", Integer.toString(ch)));
    else if (h != null) mb.addStatement("for (int ci = 0; ci < $L; ci++) $L", ch, h.encodeOne(to + "[dst + ci]", in + "[src + " + Gemm.times("ci", img.cStride()) + "]"));
    else if (ch == 1) mb.addStatement("$L[dst] = $L[src]", patches, in);
    else if (img.cStride() == 1) mb.addStatement("System.arraycopy($L, src, $L, dst, $L)", in, patches, ch);
    else mb.addStatement("for (int ci = 0; ci < $L; ci++) $L[dst + ci] = $L[src + ci * $L]", ch, patches, in, img.cStride());
    mb.nextControlFlow("else");
    if (ch == 1) mb.addStatement("$L[dst] = 0", to);
    else mb.addStatement("java.util.Arrays.fill($L, dst, dst + $L, $L)", to, ch, h == null ? "0" : "(short) 0");
    mb.endControlFlow();
    closeTaps(mb);
    return mb.build();
  }

  /** col2im: the input gradient of samples in this part, the sum of every patch entry's gradient that read each input value. */
  MethodSpec col2im() {
    int ch = img.channels(), bsz = ctx.batch();
    MethodSpec.Builder mb = method(c.name() + "Col2im", "$L's input gradient $L from the patches' gradient in $L: each input value collects the entries that read it.",
        c.name(), inGrad, patches).addParameter(int.class, "part").addParameter(int.class, "parts");
    mb.addStatement("java.util.Arrays.fill($L, $L * part / parts * $L, $L * (part + 1) / parts * $L, 0)", inGrad, bsz, img.size(), bsz, img.size());
    eachTap(mb);
    mb.beginControlFlow("if ($L)", inside()).addStatement("int src = $L", source());
    if (ch == 1) mb.addStatement("$L[src] += $L[dst]", inGrad, patches);
    else mb.addStatement("for (int ci = 0; ci < $L; ci++) $L[src + $L] += $L[dst + ci]", ch, inGrad, Gemm.times("ci", img.cStride()), patches);
    mb.endControlFlow();
    closeTaps(mb);
    return mb.build();
  }

  /** db = the sum of the output gradient over every output pixel of the batch, per filter. */
  MethodSpec biasGrad() {
    return biasGrad(ctx, c.name() + "BiasGrad", outGrad, rows(), c.filters(), b.constant(), "the batch's " + rows() + " output pixels");
  }

  @Override
  void initialize(MethodSpec.Builder init) {
    init(init, w, c.weightInit(), "fan_in " + c.fanIn() + ", fan_out " + c.fanOut());
    if (b != null) init(init, b, c.biasInit(), null);
  }

  @Override
  int scratchWidth() {
    return Math.max(depth, c.filters());
  }
}
