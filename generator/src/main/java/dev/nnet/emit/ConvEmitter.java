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
 */
final class ConvEmitter extends ConvBase {
  private final String kernel, kernelT, kernelGrad;

  ConvEmitter(EmitContext ctx, Op.Conv c, String in, String inGrad) {
    super(ctx, c, in, inGrad);
    this.kernel = c.name() + "Kernel";
    this.kernelT = inGrad == null ? null : c.name() + "KernelT";
    this.kernelGrad = c.name() + "KernelGrad";
  }

  @Override
  void declare(TypeSpec.Builder cls) {
    super.declare(cls);
    int f = c.filters();
    cls.addField(FieldSpec.builder(ctx.array(), kernel, Modifier.PRIVATE, Modifier.FINAL)
        .addJavadoc("$L.weight as the product reads it, [$L][$L] (ky·kx·channel, filter); refreshed after every update.\n", c.name(), depth, f)
        .initializer("new $T[$L]", ctx.elem(), depth * f).build());
    if (kernelT != null) {
      cls.addField(FieldSpec.builder(ctx.array(), kernelT, Modifier.PRIVATE, Modifier.FINAL)
          .addJavadoc("Its transpose [$L][$L], for the input gradient; refreshed after every update.\n", f, depth)
          .initializer("new $T[$L]", ctx.elem(), depth * f).build());
    }
    if (!ctx.inference()) {
      cls.addField(FieldSpec.builder(ctx.array(), kernelGrad, Modifier.PRIVATE, Modifier.FINAL)
          .addJavadoc("dK [$L][$L] of the last backward pass, before it is stored in PyTorch's order.\n", depth, f)
          .initializer("new $T[$L]", ctx.elem(), depth * f).build());
    }
  }

  private Gemm forwardProduct() {
    int f = c.filters();
    return new Gemm(c.name() + "Product",
        String.format("%s forward: %s[%d][%d] = %s[%d][%d] · K[%d][%d]%s.\n<p>From %s", c.name(), out, rows(), f, patches, rows(), depth, depth, f,
            b == null ? "" : " + b", ctx.origin(c)),
        rows(), f, depth, patches, "0", depth, 1, kernel, "0", f, null, out, "0", f, b == null ? null : "params", b == null ? "0" : b.constant())
        .withSquareTiles();
  }

  private Gemm weightProduct() {
    int f = c.filters();
    return new Gemm(c.name() + "WeightGrad", String.format("dK[%d][%d] = %sᵀ · %s, over the batch's %d output pixels.", depth, f, patches, outGrad, rows()),
        depth, f, rows(), patches, "0", 1, depth, outGrad, "0", f, null, kernelGrad, "0", f, null, "0").withSquareTiles().withBlockedK();
  }

  private Gemm inputProduct() {
    int f = c.filters();
    return new Gemm(c.name() + "PatchGrad", String.format("The patches' gradient %s[%d][%d] = %s · Kᵀ.", patches, rows(), depth, outGrad),
        rows(), depth, f, outGrad, "0", f, 1, kernelT, "0", depth, null, patches, "0", depth, null, "0");
  }

  @Override
  String forwardCall() {
    return c.name() + "Forward()";
  }

  @Override
  List<MethodSpec> forward() {
    List<MethodSpec> methods = new ArrayList<>();
    Gemm product = forwardProduct();
    methods.add(method(c.name() + "Forward", "$L forward: its image's patches, then their product with the kernels.", c.name())
        .addStatement(patchesCall(c.name() + "Im2col")).addStatement(product.call(ctx)).build());
    methods.add(im2col());
    methods.addAll(product.emit(ctx));
    return methods;
  }

  @Override
  List<MethodSpec> backward() {
    List<MethodSpec> methods = new ArrayList<>();
    Gemm weight = weightProduct();
    MethodSpec.Builder entry = method(c.name() + "Backward", "$L backward: kernel$L gradients$L.", c.name(), b == null ? "" : ", bias",
        inGrad == null ? "" : " and the input's (the patches' gradient overwrites the patches, which only the kernel gradient needed)");
    entry.addStatement(weight.call(ctx)).addStatement("$LKernelGradStore()", c.name());
    if (b != null) entry.addStatement("$LBiasGrad()", c.name());
    Gemm input = inGrad == null ? null : inputProduct();
    if (input != null) entry.addStatement(input.call(ctx)).addStatement(patchesCall(c.name() + "Col2im"));
    methods.add(entry.build());
    methods.addAll(weight.emit(ctx));
    methods.add(storeKernelGrad());
    if (b != null) methods.add(biasGrad());
    if (input != null) {
      methods.addAll(input.emit(ctx));
      methods.add(col2im());
    }
    return methods;
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
        .addStatement("$T v = params[$L + (o * $L + ci) * $L + t]", ctx.elem(), w.constant(), ch, taps)
        .addStatement("$L[(t * $L + ci) * $L + o] = v", kernel, ch, f);
    if (kernelT != null) mb.addStatement("$L[o * $L + t * $L + ci] = v", kernelT, depth, ch);
    mb.endControlFlow().endControlFlow().endControlFlow();
    return List.of(mb.build());
  }
}
