package dev.nnet.emit;

import com.squareup.javapoet.MethodSpec;
import com.squareup.javapoet.TypeSpec;
import dev.nnet.analysis.Op;
import java.util.List;

/**
 * Emits one layer: its forward and backward methods side by side, the fields it owns beyond its output
 * and gradient buffers, its parameter initialization, and what must be refreshed after an update.
 * Adding an operation means adding a subclass here and a case in {@link #of}.
 */
abstract class LayerEmitter {
  final EmitContext ctx;
  final String in;      // the input buffer: "input" or the previous layer's output
  final String out;     // this layer's output buffer, [batch][outputSize]
  final String inGrad;  // where the gradient with respect to the input goes; null when no earlier layer learns
  final String outGrad; // the gradient with respect to the output, filled by the next layer or the loss

  LayerEmitter(EmitContext ctx, Op op, String in, String inGrad) {
    this.ctx = ctx;
    this.in = in;
    this.inGrad = inGrad;
    this.out = op.name() + "Out";
    this.outGrad = op.name() + "Grad";
  }

  static LayerEmitter of(EmitContext ctx, Op op, String in, String inGrad) {
    if (op instanceof Op.Dense d) return new DenseEmitter(ctx, d, in, inGrad);
    if (op instanceof Op.Activation a) return new ActivationEmitter(ctx, a, in, inGrad);
    if (op instanceof Op.Dropout d) return new DropoutEmitter(ctx, d, in, inGrad);
    if (op instanceof Op.BatchNorm b) return new BatchNormEmitter(ctx, b, in, inGrad);
    if (op instanceof Op.LayerNorm n) return n.image() == null ? new LayerNormEmitter(ctx, n, in, inGrad) : new ImageNormEmitter(ctx, n, in, inGrad);
    if (op instanceof Op.PRelu p) return new PReluEmitter(ctx, p, in, inGrad);
    if (op instanceof Op.Softmax s) return new RowwiseEmitter.SoftmaxLayer(ctx, s, in, inGrad);
    if (op instanceof Op.Maxout m) return new RowwiseEmitter.MaxoutLayer(ctx, m, in, inGrad);
    if (op instanceof Op.ResidualBegin r) return new ResidualEmitter.Begin(ctx, r, in, inGrad);
    if (op instanceof Op.ResidualAdd r) return new ResidualEmitter.Add(ctx, r, in, inGrad);
    if (op instanceof Op.Flatten f) return new FlattenEmitter(ctx, f, in, inGrad);
    if (op instanceof Op.Conv c) return c.groups() == 1 ? new ConvEmitter(ctx, c, in, inGrad) : new GroupedConvEmitter(ctx, c, in, inGrad);
    if (op instanceof Op.Pool p) return new PoolEmitter(ctx, p, in, inGrad);
    if (op instanceof Op.ChannelDropout d) return new ChannelDropoutEmitter(ctx, d, in, inGrad);
    throw new IllegalArgumentException("no emitter for " + op);
  }

  abstract Op op();

  /** Fields beyond the output and gradient buffers (masks, transposed weights). */
  void declare(TypeSpec.Builder cls) {}

  /** The forward methods; the first is called from forward(boolean training). */
  abstract List<MethodSpec> forward();

  /** The backward methods; the first is called from backward(). Empty when the layer has nothing to do backward. */
  abstract List<MethodSpec> backward();

  /** The statement calling the forward entry. */
  String forwardCall() {
    return columnwise() ? forwardColumns("0", Integer.toString(op().outputSize())) : op().name() + "Forward()";
  }

  String backwardCall() {
    return columnwise() ? backwardColumns("0", Integer.toString(op().outputSize())) : op().name() + "Backward()";
  }

  /**
   * Whether each feature (column) is computed on its own, forward and backward, so that a range of columns
   * can be done apart: the entries then take {@code (int c0, int c1)}, and a product shared by columns runs
   * them on its own columns right after computing them (see {@link DenseEmitter}).
   */
  boolean columnwise() {
    return false;
  }

  /** The forward call over columns c0..c1−1 (columnwise layers). */
  String forwardColumns(String c0, String c1) {
    return op().name() + "Forward(" + c0 + ", " + c1 + ")";
  }

  /** The backward call over columns c0..c1−1 (columnwise layers). */
  String backwardColumns(String c0, String c1) {
    return op().name() + "Backward(" + c0 + ", " + c1 + ")";
  }

  /** A method over columns c0..c1−1: the parameters declared; loop with {@link #eachElement}. */
  MethodSpec.Builder columnMethod(String name, String doc, Object... args) {
    return method(name, doc, args).addParameter(int.class, "c0").addParameter(int.class, "c1");
  }

  /** Opens {@code for r: for i over row r's columns c0..c1−1}, i the flat index; close with two endControlFlow. */
  void eachElement(MethodSpec.Builder mb) {
    int n = op().outputSize();
    mb.beginControlFlow("for (int r = 0; r < $L; r++)", ctx.batch())
        .beginControlFlow("for (int i = r * $L + c0, end = r * $L + c1; i < end; i++)", n, n);
  }

  /** Statements at the start of a forward pass (training is in scope): drawing per-step noise. */
  void beforeForward(MethodSpec.Builder forward) {}

  /** Statements drawing the layer's parameters from {@code rng}. */
  void initialize(MethodSpec.Builder init) {}

  /** Statements run after parameters change (update, load, initialize). */
  void refresh(MethodSpec.Builder after) {}

  /** Methods the layer needs beyond forward and backward (e.g. refreshing weight copies). */
  List<MethodSpec> support() {
    return List.of();
  }

  /** Statements drawing tensor {@code t} from {@code i} (fans: what the init's scale came from, for the comment). */
  static void init(MethodSpec.Builder init, dev.nnet.layout.Layout.Tensor t, dev.nnet.analysis.Init i, String fans) {
    init.addComment("$L [$L][$L]: $L$L", t.name(), t.rows(), t.cols(), i.describe(), fans == null ? "" : " (" + fans + ")");
    switch (i.distribution()) {
      case NORMAL -> init.addStatement("$T.normal(params, $L, $L, $L, $L, rng)", RuntimeTypes.INITIALIZERS, t.constant(), t.size(), i.a(), i.b());
      case UNIFORM -> init.addStatement("$T.uniform(params, $L, $L, $L, $L, rng)", RuntimeTypes.INITIALIZERS, t.constant(), t.size(), i.a(), i.b());
      case CONSTANT -> init.addStatement("$T.constant(params, $L, $L, $L)", RuntimeTypes.INITIALIZERS, t.constant(), t.size(), i.a());
      case IDENTITY -> init.addStatement("$T.identity(params, $L, $L, $L)", RuntimeTypes.INITIALIZERS, t.constant(), t.rows(), t.cols());
      case ORTHOGONAL -> init.addStatement("$T.orthogonal(params, $L, $L, $L, $L, rng)", RuntimeTypes.INITIALIZERS, t.constant(), t.rows(), t.cols(), i.a());
    }
  }

  /** {@code name}: db[n] = the sum of {@code grad}'s {@code rows} rows, into the gradient arena at {@code bias}; on vectors where they fill. */
  static MethodSpec biasGrad(EmitContext ctx, String name, String grad, int rows, int n, String bias, String what) {
    MethodSpec.Builder mb = MethodSpec.methodBuilder(name).addModifiers(javax.lang.model.element.Modifier.PRIVATE)
        .addJavadoc("db[$L] = the sum of $L over $L.\n", n, grad, what);
    int vecEnd = 0;
    if (ctx.vector()) {
      var V = ctx.vectorClass();
      vecEnd = n / ctx.lanes() * ctx.lanes();
      if (vecEnd > 0) {
        mb.beginControlFlow("for (int j = 0; j < $L; j += $L)", vecEnd, ctx.lanes());
        mb.addStatement("$T acc = $T.zero(S)", V, V);
        mb.addStatement("for (int i = 0; i < $L; i++) acc = acc.add($T.fromArray(S, $L, i * $L + j))", rows, V, grad, n);
        mb.addStatement("acc.intoArray(grads, $L + j)", bias);
        mb.endControlFlow();
      }
    }
    if (vecEnd < n) {
      mb.beginControlFlow("for (int j = $L; j < $L; j++)", vecEnd, n);
      mb.addStatement("$T s = 0", ctx.elem());
      mb.addStatement("for (int i = 0; i < $L; i++) s += $L[i * $L + j]", rows, grad, n);
      mb.addStatement("grads[$L + j] = s", bias);
      mb.endControlFlow();
    }
    return mb.build();
  }

  /** Statements setting a norm layer's γ to 1 and β to 0. */
  static void initNorm(MethodSpec.Builder init, String layer, dev.nnet.layout.Layout.Tensor gamma, dev.nnet.layout.Layout.Tensor beta) {
    init.addComment("$L: γ = 1, β = 0", layer);
    init.addStatement("$T.constant(params, $L, $L, 1)", RuntimeTypes.INITIALIZERS, gamma.constant(), gamma.size());
    init.addStatement("$T.constant(params, $L, $L, 0)", RuntimeTypes.INITIALIZERS, beta.constant(), beta.size());
  }

  /** Extra width the plain path's scratch row {@code acc} must have for this layer's products. */
  int scratchWidth() {
    return 0;
  }

  int size() {
    return ctx.batch() * op().outputSize();
  }

  /**
   * Opens {@code if (learningK)} around a layer's own gradients when it learns only from an unfreeze phase's
   * epoch on; returns whether it did (the caller closes it).
   */
  boolean openLearning(MethodSpec.Builder mb) {
    int phase = ctx.model().phaseOf(op());
    if (phase == 0) return false;
    mb.addComment("frozen until unfreeze phase $L: no weight gradient before it", phase);
    mb.beginControlFlow("if ($L)", learningFlag(phase));
    return true;
  }

  /** The field that says whether unfreeze phase {@code phase} has begun. */
  static String learningFlag(int phase) {
    return "learning" + phase;
  }

  MethodSpec.Builder method(String name, String doc, Object... args) {
    return MethodSpec.methodBuilder(name).addModifiers(javax.lang.model.element.Modifier.PRIVATE)
        .addJavadoc(doc + "\n", args).addJavadoc("<p>From $L\n", ctx.origin(op()));
  }
}
