package dev.nnet.emit;

import com.squareup.javapoet.MethodSpec;
import dev.nnet.analysis.Op;
import java.util.ArrayList;
import java.util.List;

/**
 * A grouped convolution (depthwise included): filter o of group g = o / (filters/groups) sees only that
 * group's channels, so each output is a short dot product of a patch's group entries with the filter's
 * weights, read in place in PyTorch's order [filters][C/groups][kh][kw]. Plain loops: a group's product is
 * too narrow for the register tiles (a depthwise filter has one channel).
 */
final class GroupedConvEmitter extends ConvBase {
  private final int groupIn, groupOut;

  GroupedConvEmitter(EmitContext ctx, Op.Conv c, String in, String inGrad) {
    super(ctx, c, in, inGrad);
    this.groupIn = c.groupChannels();
    this.groupOut = c.filters() / c.groups();
  }

  /** Opens the loops over patch rows r, filters o, their group's first channel g0, the taps t and the group's channels ci; the patch entry is {@code p + t * C + ci}, the weight {@code wo + ci * taps + t}. */
  private void eachWeight(MethodSpec.Builder mb) {
    int f = c.filters();
    mb.beginControlFlow("for (int r = 0; r < $L; r++)", rows())
        .beginControlFlow("for (int o = 0; o < $L; o++)", f)
        .addStatement("int p = r * $L + o / $L * $L", depth, groupOut, groupIn)
        .addStatement("int wo = $L + o * $L", w.constant(), c.patch());
  }

  @Override
  String forwardCall() {
    return c.name() + "Forward()";
  }

  @Override
  List<MethodSpec> forward() {
    int f = c.filters(), ch = img.channels();
    MethodSpec.Builder mb = method(c.name() + "Forward", "$L forward: its patches, then each filter's dot product with its group's entries ($L groups).",
        c.name(), c.groups());
    mb.addStatement("$L(0, 1)", c.name() + "Im2col");
    eachWeight(mb);
    mb.addStatement("$T s = $L", ctx.elem(), b == null ? ctx.lit(0) : "params[" + b.constant() + " + o]")
        .beginControlFlow("for (int t = 0; t < $L; t++)", taps)
        .addStatement("for (int ci = 0; ci < $L; ci++) s += $L[p + t * $L + ci] * params[wo + ci * $L + t]", groupIn, patches, ch, taps)
        .endControlFlow()
        .addStatement("$L[r * $L + o] = s", out, f)
        .endControlFlow().endControlFlow();
    List<MethodSpec> methods = new ArrayList<>();
    methods.add(mb.build());
    methods.add(im2col());
    return methods;
  }

  @Override
  List<MethodSpec> backward() {
    int f = c.filters(), ch = img.channels();
    List<MethodSpec> methods = new ArrayList<>();
    if (c.frozen() && inGrad == null) return methods; // frozen, and nothing below learns: no backward at all
    MethodSpec.Builder mb = method(c.name() + "Backward", "$L backward: kernel$L gradients$L.", c.name(), b == null ? "" : ", bias",
        inGrad == null ? "" : " and the input's (the patches' gradient overwrites the patches once the kernel gradient is done)");
    if (!c.frozen()) {
      boolean gated = openLearning(mb);
      mb.addStatement("java.util.Arrays.fill(grads, $L, $L + $L, 0)", w.constant(), w.constant(), w.size());
      eachWeight(mb);
      mb.addStatement("$T dy = $L[r * $L + o]", ctx.elem(), outGrad, f)
          .beginControlFlow("for (int t = 0; t < $L; t++)", taps)
          .addStatement("for (int ci = 0; ci < $L; ci++) grads[wo + ci * $L + t] += dy * $L[p + t * $L + ci]", groupIn, taps, patches, ch)
          .endControlFlow()
          .endControlFlow().endControlFlow();
      if (b != null) mb.addStatement("$LBiasGrad()", c.name());
      if (gated) mb.endControlFlow();
    }
    if (inGrad != null) {
      mb.addStatement("java.util.Arrays.fill($L, 0)", patches);
      eachWeight(mb);
      mb.addStatement("$T dy = $L[r * $L + o]", ctx.elem(), outGrad, f)
          .beginControlFlow("for (int t = 0; t < $L; t++)", taps)
          .addStatement("for (int ci = 0; ci < $L; ci++) $L[p + t * $L + ci] += dy * params[wo + ci * $L + t]", groupIn, patches, ch, taps)
          .endControlFlow()
          .endControlFlow().endControlFlow();
      mb.addStatement("$L(0, 1)", c.name() + "Col2im");
    }
    methods.add(mb.build());
    if (b != null && !c.frozen()) methods.add(biasGrad());
    if (inGrad != null) methods.add(col2im());
    return methods;
  }
}
