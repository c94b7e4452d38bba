package dev.nnet.emit;

import com.squareup.javapoet.FieldSpec;
import com.squareup.javapoet.MethodSpec;
import com.squareup.javapoet.TypeSpec;
import dev.nnet.analysis.Op;
import java.util.ArrayList;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * A convolution (one group) as products with the register-tiled kernels of {@link Gemm}: forward
 * y = patches·K + b, where K [kh·kw·C][filters] is the weight rearranged to the patches' order; weight
 * gradient dK = patchesᵀ·dy, stored back in PyTorch's [filters][C][kh][kw]; input gradient
 * dpatches = dy·Kᵀ, scattered onto the image. Its output is channels-last: [sample][oy][ox][filter].
 *
 * <p>On a channels-last input of at least {@link #DIRECT_CHANNELS} channels the forward product reads the
 * patches in place from the (zero-bordered) image instead of copying them first: measured on M5's second
 * convolution (bench/ConvStudy.java), 5.9 ms against 7.5–8.4 ms for im2col and the same product. Training
 * still copies the patches, in the backward pass, for the weight gradient.
 */
final class ConvEmitter extends ConvBase {
  /** Channels from which a patch's per-tap runs are long enough for the in-place forward product. */
  static final int DIRECT_CHANNELS = 8;

  private final String kernel, kernelT, kernelGrad, padded;
  private final boolean direct;
  private final HalfEmitter half; // mixed precision: 16-bit patches, kernels and output gradient; null otherwise

  ConvEmitter(EmitContext ctx, Op.Conv c, String in, String inGrad) {
    super(ctx, c, in, inGrad);
    this.kernel = c.name() + "Kernel";
    this.kernelT = inGrad == null ? null : c.name() + "KernelT";
    this.kernelGrad = c.name() + "KernelGrad";
    this.half = ctx.half() ? new HalfEmitter(ctx) : null;
    // mixed precision copies the patches in 16 bits (im2col encodes them), which the weight gradient reads again
    this.direct = half == null && ctx.vector() && img.channelsLast() && img.channels() >= DIRECT_CHANNELS && c.filters() % ctx.lanes() == 0;
    this.padded = direct && (c.padH() > 0 || c.padW() > 0) ? c.name() + "Padded" : null;
  }

  private int paddedHeight() {
    return img.height() + 2 * c.padH();
  }

  private int paddedWidth() {
    return img.width() + 2 * c.padW();
  }

  @Override
  boolean needsPatches() {
    return !direct || !ctx.inference();
  }

  @Override
  HalfEmitter half() {
    return half;
  }

  /** Mixed precision: the output gradient in 16 bits, for both gradient products. */
  private String gradHalf() {
    return c.name() + "GradHalf";
  }

  @Override
  void declare(TypeSpec.Builder cls) {
    super.declare(cls);
    int f = c.filters();
    if (padded != null) {
      cls.addField(FieldSpec.builder(ctx.array(), padded, Modifier.PRIVATE, Modifier.FINAL)
          .addJavadoc("$L with a zero border of $L, [$L][$L][$L][$L], which the forward product reads its patches from; only the inside is ever written.\n",
              in, c.padH() == c.padW() ? "" + c.padH() : c.padH() + " × " + c.padW(), ctx.batch(), paddedHeight(), paddedWidth(), img.channels())
          .initializer("new $T[$L]", ctx.elem(), ctx.batch() * paddedHeight() * paddedWidth() * img.channels()).build());
    }
    com.squareup.javapoet.TypeName copy = half == null ? ctx.array() : com.squareup.javapoet.TypeName.get(short[].class);
    String type = half == null ? ctx.elem().toString() : "short", in16 = half == null ? "" : " in " + ctx.mixed().keyword;
    cls.addField(FieldSpec.builder(copy, kernel, Modifier.PRIVATE, Modifier.FINAL)
        .addJavadoc("$L.weight as the product reads it, [$L][$L] (ky·kx·channel, filter)$L; refreshed after every update.\n", c.name(), depth, f, in16)
        .initializer("new $L[$L]", type, depth * f).build());
    if (kernelT != null) {
      cls.addField(FieldSpec.builder(copy, kernelT, Modifier.PRIVATE, Modifier.FINAL)
          .addJavadoc("Its transpose [$L][$L]$L, for the input gradient; refreshed after every update.\n", f, depth, in16)
          .initializer("new $L[$L]", type, depth * f).build());
    }
    if (half != null && !ctx.inference()) {
      cls.addField(FieldSpec.builder(short[].class, gradHalf(), Modifier.PRIVATE, Modifier.FINAL)
          .addJavadoc("$L [$L][$L] in $L, for the gradient products.\n", outGrad, rows(), f, ctx.mixed().keyword)
          .initializer("new short[$L]", rows() * f).build());
    }
    if (!ctx.inference()) {
      cls.addField(FieldSpec.builder(ctx.array(), kernelGrad, Modifier.PRIVATE, Modifier.FINAL)
          .addJavadoc("dK [$L][$L] of the last backward pass, before it is stored in PyTorch's order.\n", depth, f)
          .initializer("new $T[$L]", ctx.elem(), depth * f).build());
    }
  }

  private Gemm forwardProduct() {
    int f = c.filters();
    Gemm product = new Gemm(c.name() + "Product",
        String.format("%s forward: %s[%d][%d] = %s[%d][%d] · K[%d][%d]%s.\n<p>From %s", c.name(), out, rows(), f,
            direct ? "the patches of " + (padded != null ? padded : in) + " read in place, " : patches, rows(), depth, depth, f,
            b == null ? "" : " + b", ctx.origin(c)),
        rows(), f, depth, direct ? (padded != null ? padded : in) : patches, "0", depth, 1, kernel, "0", f, null, out, "0", f,
        b == null ? null : "params", b == null ? "0" : b.constant()).withSquareTiles();
    if (half != null) return product.withHalves(patchesHalf(), kernel, ctx.mixed());
    if (!direct) return product;
    int ch = img.channels(), width = padded != null ? paddedWidth() : img.width(), height = padded != null ? paddedHeight() : img.height();
    int row = width * ch;
    return product.withInPlacePatches(new Gemm.InPlacePatches(c.outHeight(), c.outWidth(), height * row, c.stride() * row, c.stride() * ch,
        taps, c.kw(), c.dilation() * row, c.dilation() * ch, ch));
  }

  private Gemm weightProduct() {
    int f = c.filters();
    return new Gemm(c.name() + "WeightGrad", String.format("dK[%d][%d] = %sᵀ · %s, over the batch's %d output pixels.", depth, f, patches, outGrad, rows()),
        depth, f, rows(), patches, "0", 1, depth, outGrad, "0", f, null, kernelGrad, "0", f, null, "0").withSquareTiles().withBlockedK()
        .withHalves(half == null ? null : patchesHalf(), half == null ? null : gradHalf(), ctx.mixed());
  }

  private Gemm inputProduct() {
    int f = c.filters();
    return new Gemm(c.name() + "PatchGrad", String.format("The patches' gradient %s[%d][%d] = %s · Kᵀ.", patches, rows(), depth, outGrad),
        rows(), depth, f, outGrad, "0", f, 1, kernelT, "0", depth, null, patches, "0", depth, null, "0")
        .withHalves(half == null ? null : gradHalf(), half == null ? null : kernelT, ctx.mixed());
  }

  @Override
  String forwardCall() {
    return c.name() + "Forward()";
  }

  @Override
  List<MethodSpec> forward() {
    List<MethodSpec> methods = new ArrayList<>();
    Gemm product = forwardProduct();
    if (direct) {
      MethodSpec.Builder entry = method(c.name() + "Forward", "$L forward: the product of its image's patches, read in place, with the kernels.", c.name());
      if (padded != null) entry.addStatement(patchesCall(c.name() + "Pad"));
      methods.add(entry.addStatement(product.call(ctx)).build());
      if (padded != null) methods.add(pad());
    } else {
      methods.add(method(c.name() + "Forward", "$L forward: its image's patches, then their product with the kernels.", c.name())
          .addStatement(patchesCall(c.name() + "Im2col")).addStatement(product.call(ctx)).build());
    }
    if (needsPatches()) methods.add(im2col());
    methods.addAll(product.emit(ctx));
    return methods;
  }

  @Override
  List<MethodSpec> backward() {
    List<MethodSpec> methods = new ArrayList<>();
    if (c.frozen() && inGrad == null) return methods; // frozen, and nothing below learns: no backward at all
    Gemm weight = weightProduct();
    MethodSpec.Builder entry = c.frozen() ? method(c.name() + "Backward", "$L backward (frozen: no kernel or bias gradient): the input's.", c.name())
        : method(c.name() + "Backward", "$L backward: $Lkernel$L gradients$L.", c.name(), direct ? "its image's patches, then " : "",
        b == null ? "" : ", bias",
        inGrad == null ? "" : " and the input's (the patches' gradient overwrites the patches, which only the kernel gradient needed)");
    if (half != null) entry.addStatement(half.encode(outGrad, "0", gradHalf(), "0", Integer.toString(rows() * c.filters())));
    if (!c.frozen()) {
      boolean gated = openLearning(entry);
      if (direct) entry.addStatement(patchesCall(c.name() + "Im2col"));
      entry.addStatement(weight.call(ctx)).addStatement("$LKernelGradStore()", c.name());
      if (b != null) entry.addStatement("$LBiasGrad()", c.name());
      if (gated) entry.endControlFlow();
    }
    Gemm input = inGrad == null ? null : inputProduct();
    if (input != null) entry.addStatement(input.call(ctx)).addStatement(patchesCall(c.name() + "Col2im"));
    methods.add(entry.build());
    if (!c.frozen()) {
      methods.addAll(weight.emit(ctx));
      methods.add(storeKernelGrad());
      if (b != null) methods.add(biasGrad());
    }
    if (input != null) {
      methods.addAll(input.emit(ctx));
      methods.add(col2im());
    }
    return methods;
  }

  /** Copies the input's rows into the inside of the zero-bordered image, for the samples of part {@code part}. */
  private MethodSpec pad() {
    int ch = img.channels(), bsz = ctx.batch();
    return method(c.name() + "Pad", "$L's input inside its zero border: $L into $L, samples of part {@code part}.", c.name(), in, padded)
        .addParameter(int.class, "part").addParameter(int.class, "parts")
        .beginControlFlow("for (int s = $L * part / parts, end = $L * (part + 1) / parts; s < end; s++)", bsz, bsz)
        .beginControlFlow("for (int y = 0; y < $L; y++)", img.height())
        .addStatement("System.arraycopy($L, (s * $L + y) * $L, $L, ((s * $L + y + $L) * $L + $L) * $L, $L)", in, img.height(), img.width() * ch,
            padded, paddedHeight(), c.padH(), paddedWidth(), c.padW(), ch, img.width() * ch)
        .endControlFlow().endControlFlow().build();
  }

  /** dW[o][ci][ky][kx] = dK[(ky·kw + kx)·C + ci][o]. */
  private MethodSpec storeKernelGrad() {
    int f = c.filters(), ch = img.channels();
    return MethodSpec.methodBuilder(c.name() + "KernelGradStore").addModifiers(Modifier.PRIVATE)
        .addJavadoc("Stores $L into the gradient arena in PyTorch's order, [$L][$L][$L][$L].\n", kernelGrad, f, ch, c.kh(), c.kw())
        .beginControlFlow("for (int o = 0; o < $L; o++)", f)
        .beginControlFlow("for (int ci = 0; ci < $L; ci++)", ch)
        .addStatement("for (int t = 0; t < $L; t++) grads[$L + (o * $L + ci) * $L + t] = $L[(t * $L + ci) * $L + o]", taps, w.constant(), ch, taps, kernelGrad,
            ch, f)
        .endControlFlow().endControlFlow().build();
  }

  @Override
  void refresh(MethodSpec.Builder after) {
    after.addStatement("$LRefreshKernel()", c.name());
  }

  @Override
  List<MethodSpec> support() {
    int f = c.filters(), ch = img.channels();
    MethodSpec.Builder mb = MethodSpec.methodBuilder(c.name() + "RefreshKernel").addModifiers(Modifier.PRIVATE)
        .addJavadoc("Rearranges $L.weight [$L][$L][$L][$L] into the layout$L the products read.\n", c.name(), f, ch, c.kh(), c.kw(), kernelT == null ? "" : "s")
        .beginControlFlow("for (int o = 0; o < $L; o++)", f)
        .beginControlFlow("for (int ci = 0; ci < $L; ci++)", ch)
        .beginControlFlow("for (int t = 0; t < $L; t++)", taps)
        .addStatement("$T v = $L", half == null ? ctx.elem() : com.squareup.javapoet.TypeName.SHORT,
            half == null ? "params[" + w.constant() + " + (o * " + ch + " + ci) * " + taps + " + t]"
                : half.weightEncoder() + "(params[" + w.constant() + " + (o * " + ch + " + ci) * " + taps + " + t])")
        .addStatement("$L[(t * $L + ci) * $L + o] = v", kernel, ch, f);
    if (kernelT != null) mb.addStatement("$L[o * $L + t * $L + ci] = v", kernelT, depth, ch);
    mb.endControlFlow().endControlFlow().endControlFlow();
    return List.of(mb.build());
  }
}
