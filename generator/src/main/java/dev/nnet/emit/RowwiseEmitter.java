package dev.nnet.emit;

import com.squareup.javapoet.FieldSpec;
import com.squareup.javapoet.MethodSpec;
import com.squareup.javapoet.TypeSpec;
import dev.nnet.analysis.Op;
import java.util.List;
import javax.lang.model.element.Modifier;

/** Layers that work on each sample's row as a whole rather than element by element. */
final class RowwiseEmitter {
  private RowwiseEmitter() {}

  /** softmax: y = e^(x − max) / Σ e^(x − max); backward dx_j = y_j·(dy_j − Σ_k dy_k·y_k). */
  static final class SoftmaxLayer extends LayerEmitter {
    private final Op.Softmax s;

    SoftmaxLayer(EmitContext ctx, Op.Softmax s, String in, String inGrad) {
      super(ctx, s, in, inGrad);
      this.s = s;
    }

    @Override
    Op op() {
      return s;
    }

    @Override
    List<MethodSpec> forward() {
      int n = s.outputSize();
      return List.of(method(s.name() + "Forward", "$L forward: each sample's outputs become probabilities.", s.name())
          .beginControlFlow("for (int r = 0; r < $L; r++)", ctx.batch())
          .addStatement("int o = r * $L", n)
          .addStatement("$T max = $L[o]", ctx.elem(), in)
          .addStatement("for (int j = 1; j < $L; j++) max = Math.max(max, $L[o + j])", n, in)
          .addStatement("double sum = 0")
          .addStatement("for (int j = 0; j < $L; j++) sum += Math.exp($L[o + j] - max)", n, in)
          .addStatement("for (int j = 0; j < $L; j++) $L[o + j] = $L(Math.exp($L[o + j] - max) / sum)", n, out, ctx.narrow(), in)
          .endControlFlow().build());
    }

    @Override
    List<MethodSpec> backward() {
      if (inGrad == null) return List.of();
      int n = s.outputSize();
      return List.of(method(s.name() + "Backward", "$L backward: through the softmax's Jacobian.", s.name())
          .beginControlFlow("for (int r = 0; r < $L; r++)", ctx.batch())
          .addStatement("int o = r * $L", n)
          .addStatement("double dot = 0")
          .addStatement("for (int j = 0; j < $L; j++) dot += $L[o + j] * $L[o + j]", n, outGrad, out)
          .addStatement("for (int j = 0; j < $L; j++) $L[o + j] = $L($L[o + j] * ($L[o + j] - dot))", n, inGrad, ctx.narrow(), out, outGrad)
          .endControlFlow().build());
    }
  }

  /** maxout(k): y_j = max over the k inputs of group j; backward sends dy_j to the input that was largest. */
  static final class MaxoutLayer extends LayerEmitter {
    private final Op.Maxout m;
    private final String winner;

    MaxoutLayer(EmitContext ctx, Op.Maxout m, String in, String inGrad) {
      super(ctx, m, in, inGrad);
      this.m = m;
      this.winner = m.name() + "Winner";
    }

    @Override
    Op op() {
      return m;
    }

    @Override
    void declare(TypeSpec.Builder cls) {
      if (ctx.inference()) return;
      cls.addField(FieldSpec.builder(int[].class, winner, Modifier.PRIVATE, Modifier.FINAL)
          .addJavadoc("Which input of each group was largest, for backward.\n").initializer("new int[$L]", size()).build());
    }

    @Override
    List<MethodSpec> forward() {
      int k = m.k();
      MethodSpec.Builder mb = method(m.name() + "Forward", "$L forward: the largest of each $L inputs.", m.name(), k)
          .beginControlFlow("for (int i = 0; i < $L; i++)", size())
          .addStatement("int best = i * $L", k)
          .addStatement("for (int t = 1; t < $L; t++) if ($L[i * $L + t] > $L[best]) best = i * $L + t", k, in, k, in, k)
          .addStatement("$L[i] = $L[best]", out, in);
      if (!ctx.inference()) mb.addStatement("$L[i] = best", winner);
      return List.of(mb.endControlFlow().build());
    }

    @Override
    List<MethodSpec> backward() {
      if (inGrad == null) return List.of();
      return List.of(method(m.name() + "Backward", "$L backward: each gradient goes to the input that won.", m.name())
          .addStatement("java.util.Arrays.fill($L, 0)", inGrad)
          .addStatement("for (int i = 0; i < $L; i++) $L[$L[i]] = $L[i]", size(), inGrad, winner, outGrad).build());
    }
  }
}
