package dev.nnet.emit;

import com.squareup.javapoet.CodeBlock;
import com.squareup.javapoet.FieldSpec;
import com.squareup.javapoet.MethodSpec;
import com.squareup.javapoet.TypeName;
import com.squareup.javapoet.TypeSpec;
import dev.nnet.analysis.Model;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * The loss over the last layer's output z, fused with its gradient (as llm.c fuses the classifier):
 * <ul>
 *   <li>softmax cross-entropy against t = (1 − ε)·onehot + ε/K (label smoothing ε, 0 by default):
 *       loss = log Σ exp(z) − Σ_j t_j z_j; dz = (softmax(z) − t) / batch
 *   <li>mse (PyTorch's mean over all elements): loss = Σ_j (z_j − t_j)² / n per sample; dz = 2(z − t) / (batch·n)
 *   <li>sigmoid cross-entropy (PyTorch's BCEWithLogitsLoss, mean over all elements), in the stable form
 *       max(z, 0) − z·t + log(1 + e^−|z|) per element; dz = (σ(z) − t) / (batch·n)
 * </ul>
 * Also emits {@code correct}, {@code output} and the label/target staging these need.
 */
final class LossEmitter {
  private final EmitContext ctx;
  private final Model.Loss loss;
  private final String z, dz;
  private final int n, batch;

  LossEmitter(EmitContext ctx, String logits, String logitsGrad) {
    this.ctx = ctx;
    this.loss = ctx.model().loss();
    this.z = logits;
    this.dz = logitsGrad;
    this.n = ctx.model().outputSize();
    this.batch = ctx.batch();
  }

  boolean classification() {
    return loss.kind() == Model.Loss.Kind.SOFTMAX_CROSS_ENTROPY;
  }

  boolean binary() {
    return loss.kind() == Model.Loss.Kind.SIGMOID_CROSS_ENTROPY;
  }

  String methodName() {
    return switch (loss.kind()) {
      case SOFTMAX_CROSS_ENTROPY -> "softmaxCrossEntropy";
      case MSE -> "meanSquaredError";
      case SIGMOID_CROSS_ENTROPY -> "sigmoidCrossEntropy";
    };
  }

  /** The runtime's name for what the outputs mean. */
  String task() {
    return switch (loss.kind()) {
      case SOFTMAX_CROSS_ENTROPY -> "CLASSIFICATION";
      case MSE -> "REGRESSION";
      case SIGMOID_CROSS_ENTROPY -> "MULTILABEL";
    };
  }

  void declare(TypeSpec.Builder cls) {
    if (classification()) {
      cls.addField(FieldSpec.builder(int[].class, "labels", Modifier.PRIVATE, Modifier.FINAL)
          .addJavadoc("The class of each row of the batch.\n").initializer("new int[$L]", batch).build());
      cls.addField(FieldSpec.builder(ctx.array(), "probs", Modifier.PRIVATE, Modifier.FINAL)
          .addJavadoc("Softmax of the scores, [$L][$L].\n", batch, n).initializer("new $T[$L]", ctx.elem(), batch * n).build());
    } else {
      cls.addField(FieldSpec.builder(ctx.array(), "targets", Modifier.PRIVATE, Modifier.FINAL)
          .addJavadoc("The target values of each row of the batch, [$L][$L].\n", batch, n).initializer("new $T[$L]", ctx.elem(), batch * n).build());
    }
  }

  /** Statements staging row {@code r} (dataset row {@code s}) of labels or targets. */
  void stageRow(MethodSpec.Builder mb) {
    if (classification()) {
      mb.addStatement("labels[r] = y == null ? 0 : y[s]");
    } else {
      if (!ctx.f32()) {
        mb.beginControlFlow("if (wideT != null)");
        mb.addStatement("for (int j = 0; j < $L; j++) targets[r * $L + j] = wideT[s * $L + j]", n, n, n);
        mb.nextControlFlow("else if (t != null)");
      } else {
        mb.beginControlFlow("if (t != null)");
      }
      mb.addStatement("for (int j = 0; j < $L; j++) targets[r * $L + j] = t[s * $L + j]", n, n, n);
      mb.nextControlFlow("else");
      if (binary() && n == 1) mb.addComment("one yes/no output: the label itself").addStatement("targets[r] = y != null && y[s] == 1 ? 1 : 0");
      else mb.addStatement("for (int j = 0; j < $L; j++) targets[r * $L + j] = y != null && y[s] == j ? 1 : 0", n, n);
      mb.endControlFlow();
    }
  }

  List<MethodSpec> methods() {
    MethodSpec.Builder mb = MethodSpec.methodBuilder(methodName()).addModifiers(Modifier.PRIVATE).returns(double.class)
        .addParameter(int.class, "count").addParameter(boolean.class, "gradient")
        .addJavadoc("The summed loss of rows 0..count−1; with {@code gradient}, also d(mean loss)/d$L into $L.\n", z, dz)
        .addJavadoc("<p>From $L\n", ctx.sourceLine(loss.line()));
    mb.addStatement("double total = 0");
    mb.beginControlFlow("for (int r = 0; r < count; r++)");
    mb.addStatement("int o = r * $L", n);
    TypeName e = ctx.elem();
    if (classification()) {
      mb.addStatement("$T max = $L[o]", e, z);
      mb.addStatement("for (int j = 1; j < $L; j++) max = Math.max(max, $L[o + j])", n, z);
      mb.addStatement("double sum = 0");
      mb.beginControlFlow("for (int j = 0; j < $L; j++)", n);
      mb.addStatement("$T p = $LMath.exp($L[o + j] - max)", e, ctx.narrow(), z);
      mb.addStatement("probs[o + j] = p");
      mb.addStatement("sum += p");
      mb.endControlFlow();
      mb.addStatement("int label = labels[r]");
      double eps = loss.smoothing();
      if (eps == 0) {
        mb.addStatement("total += Math.log(sum) - ($L[o + label] - max)", z);
      } else {
        mb.addComment("label smoothing: the target is (1 − ε)·onehot + ε/K, ε = $L", eps);
        mb.addStatement("double mean = 0");
        mb.addStatement("for (int j = 0; j < $L; j++) mean += $L[o + j] - max", n, z);
        mb.addStatement("total += Math.log(sum) - $L * ($L[o + label] - max) - $L * mean", 1 - eps, z, eps / n);
      }
      mb.addStatement("$T inv = $L(1.0 / sum)", e, ctx.narrow());
      mb.addStatement("for (int j = 0; j < $L; j++) probs[o + j] *= inv", n);
      mb.beginControlFlow("if (gradient)");
      if (eps == 0) mb.addStatement("for (int j = 0; j < $L; j++) $L[o + j] = probs[o + j] * $L", n, dz, ctx.lit(1.0 / batch));
      else mb.addStatement("for (int j = 0; j < $L; j++) $L[o + j] = (probs[o + j] - $L) * $L", n, dz, ctx.lit(eps / n), ctx.lit(1.0 / batch));
      mb.addStatement("$L[o + label] -= $L", dz, ctx.lit((1 - eps) / batch));
      mb.endControlFlow();
    } else if (binary()) {
      mb.addStatement("double sum = 0");
      mb.beginControlFlow("for (int j = 0; j < $L; j++)", n);
      mb.addStatement("$T v = $L[o + j], t = targets[o + j]", e, z);
      mb.addStatement("sum += Math.max(v, 0) - v * t + Math.log1p(Math.exp(-Math.abs(v)))");
      mb.addStatement("if (gradient) $L[o + j] = ($L(1 / (1 + Math.exp(-v))) - t) * $L", dz, ctx.narrow(), ctx.lit(1.0 / ((double) batch * n)));
      mb.endControlFlow();
      mb.addStatement("total += sum / $L", n);
    } else {
      mb.addStatement("double sum = 0");
      mb.beginControlFlow("for (int j = 0; j < $L; j++)", n);
      mb.addStatement("$T diff = $L[o + j] - targets[o + j]", e, z);
      mb.addStatement("sum += (double) diff * diff");
      mb.addStatement("if (gradient) $L[o + j] = diff * $L", dz, ctx.lit(2.0 / ((double) batch * n)));
      mb.endControlFlow();
      mb.addStatement("total += sum / $L", n);
    }
    mb.endControlFlow();
    mb.addStatement("return total");

    MethodSpec.Builder correct = MethodSpec.methodBuilder("correct").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
        .returns(int.class).addParameter(int.class, "count");
    if (classification()) {
      correct.addStatement("int hits = 0")
          .beginControlFlow("for (int r = 0; r < count; r++)")
          .addStatement("int o = r * $L, best = 0", n)
          .addStatement("for (int j = 1; j < $L; j++) if ($L[o + j] > $L[o + best]) best = j", n, z, z)
          .addStatement("if (best == labels[r]) hits++")
          .endControlFlow()
          .addStatement("return hits");
    } else if (binary()) {
      correct.addJavadoc("A row is right when every output is on the right side of 1/2 (exact match).\n")
          .addStatement("int hits = 0")
          .beginControlFlow("for (int r = 0; r < count; r++)")
          .addStatement("boolean right = true")
          .addStatement("for (int j = 0; j < $L; j++) right &= ($L[r * $L + j] > 0) == (targets[r * $L + j] > 0.5)", n, z, n, n)
          .addStatement("if (right) hits++")
          .endControlFlow()
          .addStatement("return hits");
    } else {
      correct.addStatement("return 0");
    }

    MethodSpec.Builder output = MethodSpec.methodBuilder("output").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
        .addParameter(int.class, "row").addParameter(float[].class, "dst").addCode(outputStatements());
    return List.of(mb.build(), correct.build(), output.build());
  }

  /** Row {@code row} of the output into {@code dst}: the softmax of the scores (classes), or the values. Shared with the predictor. */
  CodeBlock outputStatements() {
    CodeBlock.Builder cb = CodeBlock.builder();
    if (classification()) {
      cb.add("// class probabilities: the softmax of the scores\n")
          .addStatement("int o = row * $L", n)
          .addStatement("$T max = $L[o]", ctx.elem(), z)
          .addStatement("for (int j = 1; j < $L; j++) max = Math.max(max, $L[o + j])", n, z)
          .addStatement("double sum = 0")
          .addStatement("for (int j = 0; j < $L; j++) sum += Math.exp($L[o + j] - max)", n, z)
          .addStatement("for (int j = 0; j < $L; j++) dst[j] = (float) (Math.exp($L[o + j] - max) / sum)", n, z);
    } else if (binary()) {
      cb.add("// the probability of each output: the sigmoid of its score\n")
          .addStatement("for (int j = 0; j < $L; j++) dst[j] = (float) (1 / (1 + Math.exp(-$L[row * $L + j])))", n, z, n);
    } else {
      cb.addStatement("for (int j = 0; j < $L; j++) dst[j] = (float) $L[row * $L + j]", n, z, n);
    }
    return cb.build();
  }
}
