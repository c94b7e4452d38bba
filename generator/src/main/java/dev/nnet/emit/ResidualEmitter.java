package dev.nnet.emit;

import com.squareup.javapoet.FieldSpec;
import com.squareup.javapoet.MethodSpec;
import com.squareup.javapoet.TypeSpec;
import dev.nnet.analysis.Op;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * A residual block, H(x) = F(x) + shortcut(x), as two ops around its body. The begin passes x on; the
 * add sums. In backward the add hands dH to the body unchanged and to the shortcut (the identity, the
 * first columns when the shortcut pads x with zeros, or dH·W_sᵀ through a projection, whose weight
 * gradient is xᵀ·dH); the begin, reached after the whole body, adds the shortcut's part to the body's:
 * x is used twice, so its gradient is the sum. The projection is plain loops for now.
 */
final class ResidualEmitter {
  private ResidualEmitter() {}

  /** The gradient the shortcut sends back to the block's input, [batch][in]. */
  static String shortcutGrad(String block) {
    return block + "ShortcutGrad";
  }

  static final class Begin extends LayerEmitter {
    private final Op.ResidualBegin op;

    Begin(EmitContext ctx, Op.ResidualBegin op, String in, String inGrad) {
      super(ctx, op, in, inGrad);
      this.op = op;
    }

    @Override
    Op op() {
      return op;
    }

    @Override
    List<MethodSpec> forward() {
      return List.of(method(op.name() + "Forward", "The input of residual block $L, kept for its shortcut.", op.block())
          .addStatement("System.arraycopy($L, 0, $L, 0, $L)", in, out, size()).build());
    }

    @Override
    List<MethodSpec> backward() {
      if (inGrad == null) return List.of();
      return List.of(method(op.name() + "Backward", "$L = the body's gradient + the shortcut's: the block's input feeds both.", inGrad)
          .addStatement("for (int i = 0; i < $L; i++) $L[i] = $L[i] + $L[i]", size(), inGrad, outGrad, shortcutGrad(op.block())).build());
    }
  }

  static final class Add extends LayerEmitter {
    private final Op.ResidualAdd op;
    private final String shortcut; // the block's input, as the begin kept it
    private final String w;        // the constant naming the projection's offset in the arena

    Add(EmitContext ctx, Op.ResidualAdd op, String in, String inGrad) {
      super(ctx, op, in, inGrad);
      this.op = op;
      this.shortcut = op.begin() + "Out";
      this.w = op.projection() ? ctx.layout().tensor(op, ".shortcut.weight").constant() : null;
    }

    @Override
    Op op() {
      return op;
    }

    /** A shortcut on images that pads or projects (identity ones add as features do). */
    private boolean imageShortcut() {
      return op.image() && !op.shortcut().equals("identity");
    }

    private int pixels() {
      return ctx.batch() * op.to().positions();
    }

    private String sub() {
      return op.name() + "ShortcutInput";
    }

    @Override
    void declare(TypeSpec.Builder cls) {
      if (op.image() && op.projection()) {
        int in = op.from().channels(), o = op.to().channels();
        cls.addField(FieldSpec.builder(ctx.array(), sub(), Modifier.PRIVATE, Modifier.FINAL)
            .addJavadoc("The pixels the shortcut takes, [$L][$L]; in backward, their gradient.\n", pixels(), in)
            .initializer("new $T[$L]", ctx.elem(), pixels() * in).build());
        cls.addField(FieldSpec.builder(ctx.array(), op.name() + "ShortcutOut", Modifier.PRIVATE, Modifier.FINAL)
            .addJavadoc("The projection of those pixels, [$L][$L].\n", pixels(), o)
            .initializer("new $T[$L]", ctx.elem(), pixels() * o).build());
        cls.addField(FieldSpec.builder(ctx.array(), op.name() + "ShortcutKernel", Modifier.PRIVATE, Modifier.FINAL)
            .addJavadoc("$L.shortcut.weight transposed to [$L][$L] for the product; refreshed after every update.\n", op.name(), in, o)
            .initializer("new $T[$L]", ctx.elem(), in * o).build());
        if (!ctx.inference()) {
          cls.addField(FieldSpec.builder(ctx.array(), op.name() + "ShortcutKernelGrad", Modifier.PRIVATE, Modifier.FINAL)
              .addJavadoc("Its gradient [$L][$L] of the last backward pass.\n", in, o)
              .initializer("new $T[$L]", ctx.elem(), in * o).build());
        }
      }
      if (inGrad == null) return;
      cls.addField(FieldSpec.builder(ctx.array(), shortcutGrad(op.name()), Modifier.PRIVATE, Modifier.FINAL)
          .addJavadoc("The gradient the shortcut of $L sends back to the block's input, [$L][$L].\n", op.name(), ctx.batch(), op.shortcutSize())
          .initializer("new $T[$L]", ctx.elem(), ctx.batch() * op.shortcutSize()).build());
    }

    /** Opens the loops over the shortcut's pixels: {@code dst} the body output's pixel, {@code src} the input pixel it takes. */
    private void eachPixel(MethodSpec.Builder mb) {
      Op.Image from = op.from(), to = op.to();
      mb.beginControlFlow("for (int s = 0; s < $L; s++)", ctx.batch())
          .beginControlFlow("for (int oy = 0; oy < $L; oy++)", to.height())
          .beginControlFlow("for (int ox = 0; ox < $L; ox++)", to.width())
          .addStatement("int q = (s * $L + oy) * $L + ox", to.height(), to.width())
          .addStatement("int src = s * $L + ($L + $L) * $L", from.size(), Gemm.times("oy", op.stride() * from.width()), Gemm.times("ox", op.stride()), from.channels());
    }

    private Gemm projection() {
      int in = op.from().channels(), o = op.to().channels();
      return new Gemm(op.name() + "ShortcutProduct", String.format("The shortcut's 1×1 convolution: %sShortcutOut[%d][%d] = %s · W_sᵀ.", op.name(), pixels(), o, sub()),
          pixels(), o, in, sub(), "0", in, 1, op.name() + "ShortcutKernel", "0", o, null, op.name() + "ShortcutOut", "0", o, null, "0");
    }

    private Gemm projectionWeightGrad() {
      int in = op.from().channels(), o = op.to().channels();
      return new Gemm(op.name() + "ShortcutWeightGrad", String.format("dW_sᵀ[%d][%d] = %sᵀ · %s.", in, o, sub(), outGrad),
          in, o, pixels(), sub(), "0", 1, in, outGrad, "0", o, null, op.name() + "ShortcutKernelGrad", "0", o, null, "0");
    }

    private Gemm projectionInputGrad() {
      int in = op.from().channels(), o = op.to().channels();
      return new Gemm(op.name() + "ShortcutInputGrad", String.format("The taken pixels' gradient %s[%d][%d] = %s · W_s.", sub(), pixels(), in, outGrad),
          pixels(), in, o, outGrad, "0", o, 1, "params", w, in, null, sub(), "0", in, null, "0");
    }

    private List<MethodSpec> imageForward() {
      int in = op.from().channels(), o = op.to().channels();
      List<MethodSpec> methods = new java.util.ArrayList<>();
      MethodSpec.Builder mb = method(op.name() + "Forward", "$L forward: the body's output + every $L pixel of the block's input, $L.", op.name(),
          op.stride() == 1 ? "" : op.stride() + "th", op.projection() ? "projected by a 1×1 convolution" : "its channels padded with zeros");
      if (op.projection()) {
        eachPixel(mb);
        mb.addStatement("System.arraycopy($L, src, $L, q * $L, $L)", shortcut, sub(), in, in);
        mb.endControlFlow().endControlFlow().endControlFlow();
        Gemm g = projection();
        mb.addStatement(g.call(ctx));
        mb.addStatement("for (int i = 0; i < $L; i++) $L[i] = $L[i] + $LShortcutOut[i]", size(), out, in(), op.name());
        methods.add(mb.build());
        methods.addAll(g.emit(ctx));
        return methods;
      }
      mb.addStatement("System.arraycopy($L, 0, $L, 0, $L)", in(), out, size());
      eachPixel(mb);
      mb.addStatement("for (int c = 0; c < $L; c++) $L[q * $L + c] += $L[src + c]", in, out, o, shortcut);
      mb.endControlFlow().endControlFlow().endControlFlow();
      methods.add(mb.build());
      return methods;
    }

    private String in() {
      return in;
    }

    private List<MethodSpec> imageBackward() {
      int in = op.from().channels(), o = op.to().channels();
      List<MethodSpec> methods = new java.util.ArrayList<>();
      MethodSpec.Builder mb = method(op.name() + "Backward", "$L backward: dH goes to the body unchanged and back through the shortcut to the pixels it took.", op.name());
      Gemm weight = op.projection() ? projectionWeightGrad() : null, input = op.projection() && inGrad != null ? projectionInputGrad() : null;
      if (weight != null) {
        mb.addStatement(weight.call(ctx))
            .addComment("stored in PyTorch's order, [out][in]")
            .addStatement("for (int o = 0; o < $L; o++) for (int i = 0; i < $L; i++) grads[$L + o * $L + i] = $LShortcutKernelGrad[i * $L + o]", o, in, w, in, op.name(), o);
        methods.addAll(weight.emit(ctx));
      }
      if (inGrad == null) {
        methods.add(0, mb.build());
        return methods;
      }
      mb.addStatement("System.arraycopy($L, 0, $L, 0, $L)", outGrad, inGrad, size());
      mb.addStatement("java.util.Arrays.fill($L, 0)", shortcutGrad(op.name()));
      if (input != null) mb.addStatement(input.call(ctx));
      eachPixel(mb);
      if (input != null) mb.addStatement("System.arraycopy($L, q * $L, $L, src, $L)", sub(), in, shortcutGrad(op.name()), in);
      else mb.addStatement("System.arraycopy($L, q * $L, $L, src, $L)", outGrad, o, shortcutGrad(op.name()), in);
      mb.endControlFlow().endControlFlow().endControlFlow();
      if (input != null) methods.addAll(input.emit(ctx));
      methods.add(0, mb.build());
      return methods;
    }

    @Override
    void refresh(MethodSpec.Builder after) {
      if (op.image() && op.projection()) {
        int in = op.from().channels(), o = op.to().channels();
        after.addStatement("for (int o = 0; o < $L; o++) for (int i = 0; i < $L; i++) $LShortcutKernel[i * $L + o] = params[$L + o * $L + i]", o, in, op.name(), o, w, in);
      }
    }

    @Override
    int scratchWidth() {
      return op.image() ? Math.max(op.from().channels(), op.to().channels()) : 0;
    }

    @Override
    List<MethodSpec> forward() {
      if (imageShortcut()) return imageForward();
      int n = op.outputSize(), k = op.shortcutSize();
      MethodSpec.Builder mb = method(op.name() + "Forward", "$L forward: the body's output + the block's input$L.", op.name(),
          op.zeroPad() ? " padded with zeros" : "");
      if (op.projection()) {
        mb.beginControlFlow("for (int r = 0; r < $L; r++)", ctx.batch())
            .addStatement("System.arraycopy($L, r * $L, $L, r * $L, $L)", in, n, out, n, n)
            .beginControlFlow("for (int i = 0; i < $L; i++)", k)
            .addStatement("$T a = $L[r * $L + i]", ctx.elem(), shortcut, k)
            .addStatement("for (int j = 0; j < $L; j++) $L[r * $L + j] += a * params[$L + i * $L + j]", n, out, n, w, n)
            .endControlFlow().endControlFlow();
      } else if (!op.zeroPad()) {
        mb.addStatement("for (int i = 0; i < $L; i++) $L[i] = $L[i] + $L[i]", size(), out, in, shortcut);
      } else {
        mb.beginControlFlow("for (int r = 0; r < $L; r++)", ctx.batch())
            .addStatement("for (int j = 0; j < $L; j++) $L[r * $L + j] = $L[r * $L + j] + $L[r * $L + j]", k, out, n, in, n, shortcut, k)
            .addStatement("for (int j = $L; j < $L; j++) $L[r * $L + j] = $L[r * $L + j]", k, n, out, n, in, n)
            .endControlFlow();
      }
      return List.of(mb.build());
    }

    @Override
    List<MethodSpec> backward() {
      if (inGrad == null && !op.projection()) return List.of();
      if (imageShortcut()) return imageBackward();
      int n = op.outputSize(), k = op.shortcutSize();
      MethodSpec.Builder mb = method(op.name() + "Backward", "$L backward: dH goes to the body unchanged and through the shortcut.", op.name());
      if (op.projection()) {
        mb.addComment("dW_s = xᵀ·dH")
            .addStatement("java.util.Arrays.fill(grads, $L, $L + $L, 0)", w, w, k * n)
            .beginControlFlow("for (int r = 0; r < $L; r++)", ctx.batch())
            .beginControlFlow("for (int i = 0; i < $L; i++)", k)
            .addStatement("$T a = $L[r * $L + i]", ctx.elem(), shortcut, k)
            .addStatement("for (int j = 0; j < $L; j++) grads[$L + i * $L + j] += a * $L[r * $L + j]", n, w, n, outGrad, n)
            .endControlFlow().endControlFlow();
      }
      if (inGrad == null) return List.of(mb.build());
      mb.addStatement("System.arraycopy($L, 0, $L, 0, $L)", outGrad, inGrad, size());
      if (op.projection()) {
        mb.beginControlFlow("for (int r = 0; r < $L; r++)", ctx.batch())
            .beginControlFlow("for (int i = 0; i < $L; i++)", k)
            .addStatement("$T s = 0", ctx.elem())
            .addStatement("for (int j = 0; j < $L; j++) s += $L[r * $L + j] * params[$L + i * $L + j]", n, outGrad, n, w, n)
            .addStatement("$L[r * $L + i] = s", shortcutGrad(op.name()), k)
            .endControlFlow().endControlFlow();
      } else if (!op.zeroPad()) {
        mb.addStatement("System.arraycopy($L, 0, $L, 0, $L)", outGrad, shortcutGrad(op.name()), size());
      } else {
        mb.addStatement("for (int r = 0; r < $L; r++) System.arraycopy($L, r * $L, $L, r * $L, $L)", ctx.batch(), outGrad, n, shortcutGrad(op.name()), k, k);
      }
      return List.of(mb.build());
    }

    @Override
    void initialize(MethodSpec.Builder init) {
      if (!op.projection()) return;
      int in = op.image() ? op.from().channels() : op.shortcutSize(), o = op.image() ? op.to().channels() : op.outputSize();
      double limit = Math.sqrt(6.0 / (in + o));
      init.addComment("$L.shortcut.weight [$L][$L]: xavier_uniform", op.name(), op.image() ? o : in, op.image() ? in : o);
      init.addStatement("$T.uniform(params, $L, $L, $L, $L, rng)", RuntimeTypes.INITIALIZERS, w, in * o, -limit, limit);
    }
  }
}
