package dev.nnet.emit;

import com.squareup.javapoet.MethodSpec;
import dev.nnet.analysis.Model;
import javax.lang.model.element.Modifier;

/**
 * The update: one flat loop over the whole parameter arena, every array indexed by the same i, which
 * C2 vectorizes. Conventions follow torch.optim:
 * <ul>
 *   <li>sgd: p ← p − lr·g
 *   <li>adam: m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; p ← p − (lr / (1−β1ᵗ)) · m / (√v / √(1−β2ᵗ) + ε)
 * </ul>
 * Adam's moments live in {@code moment1} and {@code moment2}, separate arrays so the loop's accesses share one index.
 */
final class OptimizerEmitter {
  private final EmitContext ctx;
  private final Model.Optimizer opt;
  private final int size;

  OptimizerEmitter(EmitContext ctx) {
    this.ctx = ctx;
    this.opt = ctx.model().optimizer();
    this.size = ctx.layout().arenaSize();
  }

  void declare(com.squareup.javapoet.TypeSpec.Builder cls) {
    if (opt.kind() != Model.Optimizer.Kind.ADAM) return;
    for (String f : new String[] {"moment1", "moment2"}) {
      cls.addField(com.squareup.javapoet.FieldSpec.builder(ctx.array(), f, Modifier.PRIVATE, Modifier.FINAL)
          .addJavadoc("Adam's $L moment estimate, one per parameter.\n", f.equals("moment1") ? "first" : "second")
          .initializer("new $T[$L]", ctx.elem(), size).build());
    }
  }

  /** The expression exposing the optimizer state as one arena. */
  com.squareup.javapoet.CodeBlock stateArena() {
    return opt.kind() == Model.Optimizer.Kind.ADAM
        ? com.squareup.javapoet.CodeBlock.of("$T.concat($T.of(moment1), $T.of(moment2))", RuntimeTypes.ARENAS, RuntimeTypes.ARENAS, RuntimeTypes.ARENAS)
        : com.squareup.javapoet.CodeBlock.of("$T.of(new $T[0])", RuntimeTypes.ARENAS, ctx.elem());
  }

  /** Statements zeroing the optimizer state. */
  void reset(MethodSpec.Builder mb) {
    if (opt.kind() != Model.Optimizer.Kind.ADAM) return;
    mb.addStatement("java.util.Arrays.fill(moment1, 0)");
    mb.addStatement("java.util.Arrays.fill(moment2, 0)");
  }

  MethodSpec update() {
    MethodSpec.Builder mb = MethodSpec.methodBuilder("update").addModifiers(Modifier.PRIVATE).addParameter(double.class, "lr")
        .addJavadoc("$L over all $L parameters.\n", opt.describe(), size);
    if (opt.line() > 0) mb.addJavadoc("<p>From $L\n", ctx.sourceLine(opt.line()));
    mb.addStatement("step++");
    switch (opt.kind()) {
      case SGD -> {
        mb.addStatement("$T rate = $Llr", ctx.elem(), ctx.narrow());
        mb.addStatement("for (int i = 0; i < $L; i++) params[i] -= rate * grads[i]", size);
      }
      case ADAM -> {
        String b1 = ctx.lit(opt.beta1()), b2 = ctx.lit(opt.beta2());
        mb.addStatement("$T stepSize = $L(lr / (1 - Math.pow($L, step)))", ctx.elem(), ctx.narrow(), opt.beta1());
        mb.addStatement("$T correction2 = $L(1 / Math.sqrt(1 - Math.pow($L, step)))", ctx.elem(), ctx.narrow(), opt.beta2());
        mb.beginControlFlow("for (int i = 0; i < $L; i++)", size);
        mb.addStatement("$T g = grads[i]", ctx.elem());
        mb.addStatement("$T m = $L * moment1[i] + $L * g", ctx.elem(), b1, ctx.lit(1 - opt.beta1()));
        mb.addStatement("$T v = $L * moment2[i] + $L * g * g", ctx.elem(), b2, ctx.lit(1 - opt.beta2()));
        mb.addStatement("moment1[i] = m");
        mb.addStatement("moment2[i] = v");
        mb.addStatement("params[i] -= stepSize * m / ($LMath.sqrt(v) * correction2 + $L)", ctx.narrow(), ctx.lit(opt.eps()));
        mb.endControlFlow();
      }
    }
    mb.addComment("the input gradients read transposed copies of the weights: keep them in step");
    mb.addStatement("parametersChanged()");
    return mb.build();
  }
}
