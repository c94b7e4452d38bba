package dev.nnet.emit;

import com.squareup.javapoet.*;
import dev.nnet.analysis.Model;
import dev.nnet.analysis.Op;
import dev.nnet.layout.Layout;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import javax.lang.model.element.Modifier;

/**
 * An inference-only class for a model: the forward pass in evaluation mode (dropout off), one sample at a
 * time, depending on nothing but the JDK; its parameters come from a checkpoint written by nnet train.
 * It is emitted by the trainer's own plain-path layer emitters with a batch of one, so it computes
 * exactly what the trainer's evaluation mode computes on the plain path. A batchnorm right after a
 * dense layer (or a convolution with a bias) is folded into it when the checkpoint is loaded (W′ = W·γ/√(v + ε)
 * per output, b′ = (b − μ)·γ/√(v + ε) + β) and then passes values through: one product instead of two passes.
 */
public final class PredictorEmitter {
  private PredictorEmitter() {}

  /** Folds the evaluation-mode batchnorm {@code bn} into the dense layer {@code d} before it, in the arena. */
  private static void fold(MethodSpec.Builder mb, Layout layout, Op.Dense d, Op.BatchNorm bn, EmitContext ctx) {
    String w = layout.weight(d).constant(), b = layout.bias(d).constant();
    int n = d.outputSize();
    String g = layout.tensor(bn, ".weight").constant(), be = layout.tensor(bn, ".bias").constant();
    String rm = layout.tensor(bn, ".running_mean").constant(), rv = layout.tensor(bn, ".running_var").constant();
    mb.addComment("fold $L into $L: W' = W·γ/√(v + ε), b' = (b − μ)·γ/√(v + ε) + β (the batchnorm then passes values through)", bn.name(), d.name())
        .beginControlFlow("for (int j = 0; j < $L; j++)", n)
        .addStatement("double f = params[$L + j] / Math.sqrt(params[$L + j] + $L)", g, rv, bn.eps())
        .addStatement("for (int i = 0; i < $L; i++) params[$L + i * $L + j] = $L(params[$L + i * $L + j] * f)", d.inputSize(), w, n, ctx.narrow(), w, n)
        .addStatement("params[$L + j] = $L((params[$L + j] - params[$L + j]) * f + params[$L + j])", b, ctx.narrow(), b, rm, be)
        .endControlFlow();
  }

  /** Folds the evaluation-mode batchnorm {@code bn} into the convolution {@code c} before it (which has a bias), per filter. */
  private static void fold(MethodSpec.Builder mb, Layout layout, Op.Conv c, Op.BatchNorm bn, EmitContext ctx) {
    String w = layout.tensor(c, ".weight").constant(), b = layout.tensor(c, ".bias").constant();
    String g = layout.tensor(bn, ".weight").constant(), be = layout.tensor(bn, ".bias").constant();
    String rm = layout.tensor(bn, ".running_mean").constant(), rv = layout.tensor(bn, ".running_var").constant();
    mb.addComment("fold $L into $L: each filter's weights times γ/√(v + ε), its bias (b − μ)·γ/√(v + ε) + β", bn.name(), c.name())
        .beginControlFlow("for (int o = 0; o < $L; o++)", c.filters())
        .addStatement("double f = params[$L + o] / Math.sqrt(params[$L + o] + $L)", g, rv, bn.eps())
        .addStatement("for (int i = 0; i < $L; i++) params[$L + o * $L + i] = $L(params[$L + o * $L + i] * f)", c.patch(), w, c.patch(), ctx.narrow(), w, c.patch())
        .addStatement("params[$L + o] = $L((params[$L + o] - params[$L + o]) * f + params[$L + o])", b, ctx.narrow(), b, rm, be)
        .endControlFlow();
  }

  /** Whether layer i is a batchnorm folded into the layer before it: a dense layer, or a convolution with a bias. */
  private static boolean folded(List<Op> ops, int i) {
    return i > 0 && ops.get(i) instanceof Op.BatchNorm && (ops.get(i - 1) instanceof Op.Dense || ops.get(i - 1) instanceof Op.Conv c && c.bias());
  }

  public static JavaFile emit(Model model, Layout layout, String pkg) {
    return emit(model, layout, pkg, false);
  }

  /**
   * The predictor, reading its parameters from a bf16 weights file ({@code bf16Weights}: written by
   * {@code nnet generate --inference --weights-precision bf16 --weights CKPT}), half the bytes of float32's,
   * each widened to the float it is the top half of; it computes in float32.
   */
  public static JavaFile emit(Model model, Layout layout, String pkg, boolean bf16Weights) {
    return emit(model, layout, pkg, bf16Weights, 0);
  }

  /**
   * The predictor with Vector API kernels of {@code lanes} lanes ({@code nnet generate --inference --kernels vector}):
   * faster on convolutions, and then run with {@code --add-modules jdk.incubator.vector}; 0 for plain Java.
   */
  public static JavaFile emit(Model model, Layout layout, String pkg, boolean bf16Weights, int lanes) {
    Model one = model.withBatchSize(1);
    EmitContext ctx = new EmitContext(one, layout, lanes, true);
    List<LayerEmitter> layers = new ArrayList<>();
    String in = "input";
    for (Op op : one.layers()) {
      layers.add(LayerEmitter.of(ctx, op, in, null));
      in = op.name() + "Out";
    }
    LayerEmitter last = layers.get(layers.size() - 1);
    LossEmitter loss = new LossEmitter(ctx, last.out, last.outGrad);
    String name = model.name() + "Predictor";
    TypeName arr = ctx.array();
    int widest = 1;
    for (Op op : one.layers()) widest = Math.max(widest, Math.max(op.inputSize(), op.outputSize()));
    for (LayerEmitter l : layers) widest = Math.max(widest, l.scratchWidth());

    TypeSpec.Builder cls = TypeSpec.classBuilder(name).addModifiers(Modifier.PUBLIC, Modifier.FINAL)
        .addJavadoc("$L: the forward pass of $L in evaluation mode, for one sample at a time. It needs only the JDK.\n",
            name, SafeText.comment(model.name()))
        .addJavadoc("<p>Not thread-safe: it keeps its buffers; give each thread its own (they can share nothing else).\n")
        .addField(FieldSpec.builder(String.class, "SIGNATURE", Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL)
            .addJavadoc("The parameter layout this class reads; a checkpoint must have been written by the same layout.\n")
            .initializer("$S", layout.signature()).build())
        .addJavadoc("<p>$L", NetworkEmitter.layoutTable(layout))
        .addFields(ctx.vector() ? List.of(FieldSpec.builder(com.squareup.javapoet.ParameterizedTypeName.get(EmitContext.SPECIES,
            ClassName.get(ctx.f32() ? Float.class : Double.class)), "S", Modifier.STATIC, Modifier.FINAL)
            .addJavadoc("The vector shape the kernels were generated for: $L lanes.\n", ctx.lanes())
            .initializer("$T.SPECIES_PREFERRED", ctx.vectorClass()).build()) : List.of())
        .addField(FieldSpec.builder(int.class, "INPUTS", Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL)
            .addJavadoc("Raw features per sample, as {@link #predict} takes them.\n").initializer("$L", one.rawInputSize()).build())
        .addField(FieldSpec.builder(int.class, "OUTPUTS", Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL).initializer("$L", one.outputSize()).build())
        .addField(FieldSpec.builder(arr, "params", Modifier.PRIVATE, Modifier.FINAL)
            .initializer("new $T[$L]", ctx.elem(), layout.arenaSize()).build())
        .addField(FieldSpec.builder(arr, "input", Modifier.PRIVATE, Modifier.FINAL).initializer("new $T[$L]", ctx.elem(), one.inputSize()).build())
        .addField(FieldSpec.builder(arr, Gemm.SCRATCH, Modifier.PRIVATE, Modifier.FINAL).initializer("new $T[$L]", ctx.elem(), widest).build());
    NetworkEmitter.declareOffsets(cls, layout);
    for (LayerEmitter l : layers) {
      cls.addField(FieldSpec.builder(arr, l.out, Modifier.PRIVATE, Modifier.FINAL).initializer("new $T[$L]", ctx.elem(), l.size()).build());
      l.declare(cls);
    }

    MethodSpec.Builder read = MethodSpec.methodBuilder("load").addModifiers(Modifier.PUBLIC, Modifier.STATIC).returns(ClassName.bestGuess(name))
        .addParameter(InputStream.class, "checkpoint").addException(IOException.class)
        .addJavadoc(bf16Weights ? "Reads the parameters from a bf16 weights file (nnet generate --inference --weights-precision bf16 --weights CKPT).\n"
            : "Reads the parameters from a checkpoint written by {@code nnet train} (or {@code Trainer.save}).\n")
        .addStatement("byte[] all = checkpoint.readAllBytes()")
        .beginControlFlow("if (all.length < 16)").addStatement("throw new $T($S)", IOException.class, "not an nnet checkpoint: too short").endControlFlow()
        .addStatement("$T crc = new $T()", CRC32.class, CRC32.class)
        .addStatement("crc.update(all, 0, all.length - 8)")
        .addStatement("$T in = new $T(new $T(all))", DataInputStream.class, DataInputStream.class, ByteArrayInputStream.class)
        .beginControlFlow("if (in.readLong() != 0x4E4E4554434B5032L)").addStatement("throw new $T($S)", IOException.class, "not an nnet checkpoint (or from another version)").endControlFlow()
        .addStatement("String model = in.readUTF()")
        .beginControlFlow("if (!SIGNATURE.equals(in.readUTF()))")
        .addStatement("throw new $T($S + model + $S)", IOException.class, "the checkpoint was written by model '", "' with another parameter layout")
        .endControlFlow()
        .beginControlFlow("if (!$S.equals(in.readUTF()))", bf16Weights ? "bf16" : model.precision().keyword())
        .addStatement("throw new $T($S)", IOException.class, bf16Weights
            ? "not a bf16 weights file (nnet generate --inference --weights-precision bf16 --weights CKPT writes one)"
            : "the checkpoint's precision is not " + model.precision().keyword())
        .endControlFlow()
        .addStatement("$L p = new $L()", name, name)
        .beginControlFlow("if (in.readInt() != $L)", layout.arenaSize())
        .addStatement("throw new $T($S)", IOException.class, "the checkpoint holds another number of parameters")
        .endControlFlow()
        .addStatement("for (int i = 0; i < $L; i++) p.params[i] = $L", layout.arenaSize(),
            bf16Weights ? "Float.intBitsToFloat(in.readShort() << 16)" : ctx.f32() ? "in.readFloat()" : "in.readDouble()")
        .beginControlFlow("if ((($T) new $T(new $T(all, all.length - 8, 8))).readLong() != crc.getValue())", DataInputStream.class, DataInputStream.class, ByteArrayInputStream.class)
        .addStatement("throw new $T($S)", IOException.class, "the checkpoint is corrupt (checksum mismatch)")
        .endControlFlow();
    Preprocessing pre = new Preprocessing(one);
    pre.declare(cls);
    pre.read(read, ctx);
    MethodSpec.Builder refresh = MethodSpec.methodBuilder("parametersChanged").addModifiers(Modifier.PRIVATE);
    List<CodeBlock> refreshes = new ArrayList<>();
    for (LayerEmitter l : layers) {
      CodeBlock c = Split.capture(l::refresh);
      if (!c.isEmpty()) refreshes.add(c);
    }
    cls.addMethods(Split.into(refresh, "parametersChanged", false, List.of(), refreshes));
    MethodSpec.Builder folds = MethodSpec.methodBuilder("foldBatchNorms").addModifiers(Modifier.PRIVATE)
        .addJavadoc("Folds each batchnorm that follows a dense layer or a convolution with a bias into its weights: called once, after loading.\n");
    List<CodeBlock> foldings = new ArrayList<>();
    for (int i = 0; i + 1 < one.layers().size(); i++) {
      if (!folded(one.layers(), i + 1)) continue;
      Op.BatchNorm bn = (Op.BatchNorm) one.layers().get(i + 1);
      Op before = one.layers().get(i);
      if (before instanceof Op.Dense d) foldings.add(Split.capture(mb -> fold(mb, layout, d, bn, ctx)));
      else foldings.add(Split.capture(mb -> fold(mb, layout, (Op.Conv) before, bn, ctx)));
    }
    if (!foldings.isEmpty()) read.addStatement("p.foldBatchNorms()");
    read.addStatement("p.parametersChanged()").addStatement("return p");
    cls.addMethod(read.build());
    if (!foldings.isEmpty()) {
      cls.addMethods(Split.into(folds, "foldBatchNorms", false, List.of(), foldings));
      cls.addMethod(folds.build());
    }
    cls.addMethod(refresh.build());

    MethodSpec.Builder predict = MethodSpec.methodBuilder("predict").addModifiers(Modifier.PUBLIC)
        .addParameter(float[].class, "features").addParameter(float[].class, "dst")
        .addJavadoc("The output for one sample of raw features (scaled by $L as the .nnet file says), $L, into dst[0..$L):\n"
            + "allocates nothing. Not for two threads at once: it computes in this predictor's buffers.\n", one.plan().data().scale(),
            loss.classification() ? "the class probabilities" : "the predicted values", one.outputSize())
        .beginControlFlow("if (features.length != $L)", one.rawInputSize())
        .addStatement("throw new $T($S + features.length)", IllegalArgumentException.class, "expected " + one.rawInputSize() + " features, got ")
        .endControlFlow()
        .beginControlFlow("if (dst.length < $L)", one.outputSize())
        .addStatement("throw new $T($S + dst.length)", IllegalArgumentException.class, "dst holds fewer than " + one.outputSize() + " outputs: ")
        .endControlFlow();
    if (pre.active()) {
      pre.apply(predict, ctx);
    } else {
      predict.addStatement("for (int i = 0; i < $L; i++) input[i] = features[i]", one.inputSize());
      if (one.plan().data().scale() != 1) {
        predict.addStatement("float scale = $Lf", (float) one.plan().data().scale());
        predict.addStatement("for (int i = 0; i < $L; i++) input[i] *= scale", one.inputSize());
      }
    }
    List<CodeBlock> calls = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      LayerEmitter l = layers.get(i);
      if (folded(one.layers(), i)) {
        calls.add(CodeBlock.builder().add("// $L is folded into $L\n", l.op().name(), one.layers().get(i - 1).name())
            .addStatement("System.arraycopy($L, 0, $L, 0, $L)", l.in, l.out, l.size()).build());
      } else {
        calls.add(CodeBlock.builder().addStatement(l.forwardCall()).build());
      }
    }
    cls.addMethods(Split.into(predict, "layers", false, List.of(), calls));
    predict.addStatement("int row = 0").addCode(loss.outputStatements());
    cls.addMethod(predict.build());
    cls.addMethod(MethodSpec.methodBuilder("predict").addModifiers(Modifier.PUBLIC).returns(float[].class).addParameter(float[].class, "features")
        .addJavadoc("The output for one sample of raw features, in a new array of $L.\n", one.outputSize())
        .addStatement("float[] dst = new float[$L]", one.outputSize())
        .addStatement("predict(features, dst)")
        .addStatement("return dst").build());
    for (LayerEmitter l : layers) {
      cls.addMethods(l.forward());
      cls.addMethods(l.support());
    }
    TypeSpec type = Split.allocateInConstructor(cls.build(), MethodSpec.constructorBuilder().addModifiers(Modifier.PRIVATE), List.of());
    return JavaFile.builder(pkg, type)
        .addFileComment("Generated by nnet from $L (inference only). Do not edit.", SafeText.comment(model.source().name()))
        .skipJavaLangImports(true).indent("  ").build();
  }

  /**
   * The fitted preprocessing of a file that has one, as the trainer applies it ({@code Preprocessor.apply}):
   * its statistics are read from the checkpoint, after the parameters, and applied to each sample in the
   * same order of operations and precisions, so the predictor sees the inputs the trainer saw.
   */
  private static final class Preprocessing {
    final String kind;
    final int raw, out;
    final float scale;

    Preprocessing(Model m) {
      kind = m.plan().data().preprocess().kind();
      raw = m.rawInputSize();
      out = m.inputSize();
      scale = (float) m.plan().data().scale();
    }

    boolean active() {
      return !kind.equals("none");
    }

    boolean projects() {
      return kind.equals("pca") || kind.equals("whiten") || kind.equals("zca");
    }

    void declare(TypeSpec.Builder cls) {
      if (!active()) return;
      cls.addField(FieldSpec.builder(double[].class, "preprocessMean", Modifier.PRIVATE).build())
          .addField(FieldSpec.builder(float[].class, "rawRow", Modifier.PRIVATE, Modifier.FINAL).initializer("new float[$L]", raw).build())
          .addField(FieldSpec.builder(double[].class, "centered", Modifier.PRIVATE, Modifier.FINAL).initializer("new double[$L]", raw).build());
      if (kind.equals("standardize")) cls.addField(FieldSpec.builder(double[].class, "preprocessStd", Modifier.PRIVATE).build());
      if (projects()) {
        cls.addField(FieldSpec.builder(double[].class, "preprocessProjection", Modifier.PRIVATE).build())
            .addField(FieldSpec.builder(float[].class, "projected", Modifier.PRIVATE, Modifier.FINAL).initializer("new float[$L]", out).build());
      }
    }

    /** Skips the checkpoint's training state up to the fitted statistics (layout: runtime's Checkpoint), and reads them. */
    void read(MethodSpec.Builder mb, EmitContext ctx) {
      if (!active()) return;
      mb.addComment("the preprocessing fitted on the training split ($L): after the optimizer state and the training position", kind)
          .addStatement("in.skipNBytes((long) in.readInt() * $L)", ctx.f32() ? 4 : 8)
          .addStatement("in.readInt()").addStatement("in.readLong()").addComment("optimizer steps, noise state")
          .addStatement("in.readInt()").addStatement("in.readLong()").addStatement("in.readLong()").addComment("epochs, steps, shuffle state")
          .addStatement("for (int skip = 0; skip < 3; skip++) in.skipNBytes(8L * in.readInt())").addComment("schedule, early stopping, best weights")
          .addStatement("in.readLong()").addComment("augmentation state")
          .addStatement("double[] st = new double[in.readInt()]")
          .addStatement("for (int i = 0; i < st.length; i++) st[i] = in.readDouble()")
          .beginControlFlow("if (st.length < 4 || (int) st[0] != $L || (int) st[1] != $L)", raw, out)
          .addStatement("throw new $T($S)", IOException.class, "the checkpoint holds no preprocessing statistics for " + raw + " features")
          .endControlFlow()
          .addStatement("int s = (int) st[2], q = (int) st[3]")
          .addStatement("p.preprocessMean = $T.copyOfRange(st, 4, 4 + $L)", java.util.Arrays.class, raw);
      if (kind.equals("standardize")) mb.addStatement("p.preprocessStd = $T.copyOfRange(st, 4 + $L, 4 + $L + s)", java.util.Arrays.class, raw, raw);
      if (projects()) mb.addStatement("p.preprocessProjection = $T.copyOfRange(st, 4 + $L + s, 4 + $L + s + q)", java.util.Arrays.class, raw, raw);
    }

    void apply(MethodSpec.Builder mb, EmitContext ctx) {
      mb.addComment("scale, then preprocess $L with the statistics of the training split", kind)
          .addStatement("for (int j = 0; j < $L; j++) rawRow[j] = features[j] * $Lf", raw, scale)
          .addStatement("for (int j = 0; j < $L; j++) centered[j] = rawRow[j] - preprocessMean[j]", raw);
      switch (kind) {
        case "center" -> mb.addStatement("for (int j = 0; j < $L; j++) input[j] = (float) centered[j]", raw);
        case "standardize" -> mb.addStatement("for (int j = 0; j < $L; j++) input[j] = (float) (centered[j] / preprocessStd[j])", raw);
        default -> mb.addStatement("for (int o = 0; o < $L; o++) projected[o] = 0", out)
            .beginControlFlow("for (int j = 0; j < $L; j++)", raw)
            .addStatement("double w = centered[j]")
            .addStatement("if (w == 0) continue")
            .addStatement("for (int o = 0; o < $L; o++) projected[o] += (float) (w * preprocessProjection[j * $L + o])", out, out)
            .endControlFlow()
            .addStatement("for (int o = 0; o < $L; o++) input[o] = projected[o]", out);
      }
    }
  }
}
