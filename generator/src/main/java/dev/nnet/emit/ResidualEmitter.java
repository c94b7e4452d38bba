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

    @Override
    void declare(TypeSpec.Builder cls) {
      if (inGrad == null) return;
      cls.addField(FieldSpec.builder(ctx.array(), shortcutGrad(op.name()), Modifier.PRIVATE, Modifier.FINAL)
          .addJavadoc("The gradient the shortcut of $L sends back to the block's input, [$L][$L].\n", op.name(), ctx.batch(), op.shortcutSize())
          .initializer("new $T[$L]", ctx.elem(), ctx.batch() * op.shortcutSize()).build());
    }

    @Override
    List<MethodSpec> forward() {
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
      double limit = Math.sqrt(6.0 / (op.shortcutSize() + op.outputSize()));
      init.addComment("$L.shortcut.weight [$L][$L]: xavier_uniform", op.name(), op.shortcutSize(), op.outputSize());
      init.addStatement("$T.uniform(params, $L, $L, $L, $L, rng)", RuntimeTypes.INITIALIZERS, w, op.shortcutSize() * op.outputSize(), -limit, limit);
    }
  }
}
