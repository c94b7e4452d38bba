package dev.nnet.emit;

import com.squareup.javapoet.FieldSpec;
import com.squareup.javapoet.MethodSpec;
import com.squareup.javapoet.TypeSpec;
import dev.nnet.analysis.Op;
import dev.nnet.layout.Layout;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * batchnorm: per feature j over the batch, μ = mean(x), σ² = mean((x − μ)²), x̂ = (x − μ)/√(σ² + ε),
 * y = γ·x̂ + β; the running statistics move toward μ and the unbiased σ² by the momentum m (PyTorch's
 * convention) and replace them in evaluation. Backward (B rows):
 * dγ = Σ dy·x̂, dβ = Σ dy, dx = γ/(B·√(σ² + ε)) · (B·dy − dβ − x̂·dγ).
 */
final class BatchNormEmitter extends LayerEmitter {
  private final Op.BatchNorm bn;
  private final Layout.Tensor gamma, beta, runMean, runVar;
  private final String mean, invStd, norm;

  BatchNormEmitter(EmitContext ctx, Op.BatchNorm bn, String in, String inGrad) {
    super(ctx, bn, in, inGrad);
    this.bn = bn;
    Layout l = ctx.layout();
    this.gamma = l.tensor(bn, ".weight");
    this.beta = l.tensor(bn, ".bias");
    this.runMean = l.tensor(bn, ".running_mean");
    this.runVar = l.tensor(bn, ".running_var");
    this.mean = bn.name() + "Mean";
    this.invStd = bn.name() + "InvStd";
    this.norm = bn.name() + "Normalized";
  }

  @Override
  Op op() {
    return bn;
  }

  @Override
  void declare(TypeSpec.Builder cls) {
    int n = bn.channels();
    if (ctx.inference() || bn.frozen()) {
      if (!bn.frozen() && !vectorChannels()) return; // the plain evaluation computes the scale as it goes
      cls.addField(FieldSpec.builder(ctx.array(), invStd, Modifier.PRIVATE, Modifier.FINAL)
          .addJavadoc("γ/√(v + ε) of the running statistics, per feature: the evaluation scale (a frozen layer's backward reads it too).\n")
          .initializer("new $T[$L]", ctx.elem(), n).build());
      if (vectorChannels()) {
        cls.addField(FieldSpec.builder(ctx.array(), mean, Modifier.PRIVATE, Modifier.FINAL).addJavadoc("β − μ·γ/√(v + ε): the evaluation shift, per feature.\n")
            .initializer("new $T[$L]", ctx.elem(), n).build());
      }
      return;
    }
    cls.addField(FieldSpec.builder(ctx.array(), mean, Modifier.PRIVATE, Modifier.FINAL).addJavadoc("μ of the last batch, per feature.\n")
        .initializer("new $T[$L]", ctx.elem(), n).build());
    cls.addField(FieldSpec.builder(ctx.array(), invStd, Modifier.PRIVATE, Modifier.FINAL).addJavadoc("1/√(σ² + ε) of the last batch, per feature.\n")
        .initializer("new $T[$L]", ctx.elem(), n).build());
    if (vectorChannels()) {
      cls.addField(FieldSpec.builder(ctx.array(), partials(), Modifier.PRIVATE, Modifier.FINAL)
          .addJavadoc("Each chunk's partial sums per channel, [$L][2][$L]: added in chunk order, the same for any number of threads.\n", CHUNKS, n)
          .initializer("new $T[$L]", ctx.elem(), CHUNKS * 2 * n).build());
    }
    if (vectorChannels() && inGrad != null) {
      cls.addField(FieldSpec.builder(ctx.array(), coefficients(), Modifier.PRIVATE, Modifier.FINAL)
          .addJavadoc("The input gradient's per-channel coefficients a, b, c, [3][$L].\n", n).initializer("new $T[$L]", ctx.elem(), 3 * n).build());
    }
    cls.addField(FieldSpec.builder(ctx.array(), norm, Modifier.PRIVATE, Modifier.FINAL).addJavadoc("x̂ of the last batch, [$L][$L], for backward.\n", ctx.batch() * bn.positions(), n)
        .initializer("new $T[$L]", ctx.elem(), size()).build());
  }

  /** Per feature, columnwise; per channel of an image (batch × positions rows of channels), one pass over all channels. */
  @Override
  boolean columnwise() {
    return bn.positions() == 1;
  }

  @Override
  String forwardCall() {
    return columnwise() ? super.forwardCall() : forwardColumns("0", Integer.toString(bn.channels()));
  }

  @Override
  String backwardCall() {
    return columnwise() ? super.backwardCall() : backwardColumns("0", Integer.toString(bn.channels()));
  }

  /**
   * Whether an image's per-channel statistics are taken on vectors: the channels fill at most 8 vectors,
   * whose sums stay in registers while the batch × positions rows stream past once per pass.
   */
  private boolean vectorChannels() {
    int n = bn.channels();
    return bn.positions() > 1 && ctx.vector() && n % ctx.lanes() == 0 && n / ctx.lanes() <= 8;
  }

  @Override
  List<MethodSpec> forward() {
    if (vectorChannels()) return vectorForward();
    int n = bn.channels(), b = ctx.batch() * bn.positions();
    String eps = ctx.lit(bn.eps()), one = ctx.lit(1);
    if (bn.frozen() && !ctx.inference()) return List.of(frozenForward());
    MethodSpec.Builder mb = columnMethod(bn.name() + "Forward", "$L forward: normalizes features c0..c1−1 over the batch in training, with the running statistics in evaluation.", bn.name());
    if (!ctx.inference()) mb.beginControlFlow("if (!training)");
    mb.beginControlFlow("for (int r = 0; r < $L; r++)", b)
        .beginControlFlow("for (int j = c0; j < c1; j++)")
        .addStatement("$T xhat = ($L[r * $L + j] - params[$L + j]) / $LMath.sqrt(params[$L + j] + $L)", ctx.elem(), in, n, runMean.constant(),
            ctx.narrow(), runVar.constant(), eps)
        .addStatement("$L[r * $L + j] = params[$L + j] * xhat + params[$L + j]", out, n, gamma.constant(), beta.constant())
        .endControlFlow().endControlFlow();
    if (ctx.inference()) return List.of(mb.build());
    mb.addStatement("return").endControlFlow();
    mb.addComment("batch statistics, per feature")
        .addStatement("java.util.Arrays.fill($L, c0, c1, 0)", mean)
        .addStatement("java.util.Arrays.fill($L, c0, c1, 0)", invStd)
        .addStatement("for (int r = 0; r < $L; r++) for (int j = c0; j < c1; j++) $L[j] += $L[r * $L + j]", b, mean, in, n)
        .addStatement("for (int j = c0; j < c1; j++) $L[j] *= $L", mean, ctx.lit(1.0 / b))
        .beginControlFlow("for (int r = 0; r < $L; r++)", b)
        .beginControlFlow("for (int j = c0; j < c1; j++)")
        .addStatement("$T d = $L[r * $L + j] - $L[j]", ctx.elem(), in, n, mean)
        .addStatement("$L[j] += d * d", invStd)
        .endControlFlow().endControlFlow()
        .beginControlFlow("for (int j = c0; j < c1; j++)")
        .addCode(statistics(b))
        .endControlFlow()
        .beginControlFlow("for (int r = 0; r < $L; r++)", b)
        .beginControlFlow("for (int j = c0; j < c1; j++)")
        .addStatement("$T xhat = ($L[r * $L + j] - $L[j]) * $L[j]", ctx.elem(), in, n, mean, invStd)
        .addStatement("$L[r * $L + j] = xhat", norm, n)
        .addStatement("$L[r * $L + j] = params[$L + j] * xhat + params[$L + j]", out, n, gamma.constant(), beta.constant())
        .endControlFlow().endControlFlow();
    return List.of(mb.build());
  }

  /** Frozen, in training as in evaluation: y = x·scale + shift with the running statistics; the scale kept for backward. */
  private MethodSpec frozenForward() {
    int n = bn.channels(), b = ctx.batch() * bn.positions();
    MethodSpec.Builder mb = columnMethod(bn.name() + "Forward", "$L forward (frozen): normalizes features c0..c1−1 with the running statistics, in training too.", bn.name());
    mb.beginControlFlow("for (int j = c0; j < c1; j++)")
        .addStatement("$L[j] = params[$L + j] / $LMath.sqrt(params[$L + j] + $L)", invStd, gamma.constant(), ctx.narrow(), runVar.constant(), ctx.lit(bn.eps()))
        .endControlFlow()
        .beginControlFlow("for (int r = 0; r < $L; r++)", b)
        .beginControlFlow("for (int j = c0; j < c1; j++)")
        .addStatement("$L[r * $L + j] = ($L[r * $L + j] - params[$L + j]) * $L[j] + params[$L + j]", out, n, in, n, runMean.constant(), invStd, beta.constant())
        .endControlFlow().endControlFlow();
    return mb.build();
  }

  /** Frozen: no γ or β gradient; the input's is dy·γ/√(v + ε), a constant per feature. */
  private List<MethodSpec> frozenBackward() {
    if (inGrad == null) return List.of();
    int n = bn.channels(), b = ctx.batch() * bn.positions();
    MethodSpec.Builder mb = columnMethod(bn.name() + "Backward", "$L backward (frozen: no γ or β gradient): the input gradient, for features c0..c1−1.", bn.name());
    mb.beginControlFlow("for (int r = 0; r < $L; r++)", b)
        .addStatement("for (int j = c0; j < c1; j++) $L[r * $L + j] = $L[r * $L + j] * $L[j]", inGrad, n, outGrad, n, invStd)
        .endControlFlow();
    return List.of(mb.build());
  }

  @Override
  List<MethodSpec> backward() {
    if (bn.frozen()) return frozenBackward();
    if (vectorChannels()) return vectorBackward();
    int n = bn.channels(), b = ctx.batch() * bn.positions();
    MethodSpec.Builder mb = columnMethod(bn.name() + "Backward", "$L backward: dγ, dβ$L, for features c0..c1−1.", bn.name(),
        inGrad == null ? "" : " and the input gradient");
    mb.addStatement("java.util.Arrays.fill(grads, $L + c0, $L + c1, 0)", gamma.constant(), gamma.constant())
        .addStatement("java.util.Arrays.fill(grads, $L + c0, $L + c1, 0)", beta.constant(), beta.constant())
        .beginControlFlow("for (int r = 0; r < $L; r++)", b)
        .beginControlFlow("for (int j = c0; j < c1; j++)")
        .addStatement("$T dy = $L[r * $L + j]", ctx.elem(), outGrad, n)
        .addStatement("grads[$L + j] += dy * $L[r * $L + j]", gamma.constant(), norm, n)
        .addStatement("grads[$L + j] += dy", beta.constant())
        .endControlFlow().endControlFlow();
    if (inGrad != null) {
      mb.beginControlFlow("for (int r = 0; r < $L; r++)", b)
          .beginControlFlow("for (int j = c0; j < c1; j++)")
          .addStatement("$L[r * $L + j] = params[$L + j] * $L[j] * $L * ($L * $L[r * $L + j] - grads[$L + j] - $L[r * $L + j] * grads[$L + j])",
              inGrad, n, gamma.constant(), invStd, ctx.lit(1.0 / b), ctx.lit(b), outGrad, n, beta.constant(), norm, n, gamma.constant())
          .endControlFlow().endControlFlow();
    }
    return List.of(mb.build());
  }

  /**
   * For channel j, given its mean in {@code mean} and its sum of squared deviations in {@code invStd}: the
   * running statistics move toward them (the variance unbiased, as PyTorch keeps it), and invStd becomes
   * 1/√(σ² + ε). {@code b} is the number of values per channel.
   */
  private com.squareup.javapoet.CodeBlock statistics(int b) {
    return com.squareup.javapoet.CodeBlock.builder()
        .addStatement("$T variance = $L[j] * $L", ctx.elem(), invStd, ctx.lit(1.0 / b))
        .addStatement("params[$L + j] = $L * params[$L + j] + $L * $L[j]", runMean.constant(), ctx.lit(1 - bn.momentum()), runMean.constant(),
            ctx.lit(bn.momentum()), mean)
        .addStatement("params[$L + j] = $L * params[$L + j] + $L * variance", runVar.constant(), ctx.lit(1 - bn.momentum()), runVar.constant(),
            ctx.lit(bn.momentum() * b / (b - 1.0)))
        .addStatement("$L[j] = $L / $LMath.sqrt(variance + $L)", invStd, ctx.lit(1), ctx.narrow(), ctx.lit(bn.eps()))
        .build();
  }

  /** Declares {@code name0..} as vectors loaded from {@code array} at {@code base} + each vector's offset. */
  private void load(MethodSpec.Builder mb, String name, String array, String base) {
    for (int v = 0; v < bn.channels() / ctx.lanes(); v++) {
      mb.addStatement("$T $L$L = $T.fromArray(S, $L, $L)", ctx.vectorClass(), name, v, ctx.vectorClass(), array, Gemm.sum(base, Integer.toString(v * ctx.lanes())));
    }
  }

  /** A statement per vector, {@code v} replaced by its number and {@code $o} by its offset. */
  private void each(MethodSpec.Builder mb, String statement) {
    int types = statement.split("\\$T", -1).length - 1;
    Object[] args = new Object[types];
    java.util.Arrays.fill(args, ctx.vectorClass());
    for (int v = 0; v < bn.channels() / ctx.lanes(); v++) {
      mb.addStatement(statement.replace("$o", Integer.toString(v * ctx.lanes())).replace("#", Integer.toString(v)), args);
    }
  }

  /** The rows' loop: {@code x} is the row's first index. */
  private void rows(MethodSpec.Builder mb, int rows, int n) {
    mb.beginControlFlow("for (int r = 0, x = 0; r < $L; r++, x += $L)", rows, n);
  }

  /**
   * The vector form as one small method per pass over the rows: a method holding every pass inlined so many
   * vector operations that C2 stopped inlining them, and each one allocated its result (measured: 29 MB a step).
   * Each pass takes (part, parts) and works on whole chunks of rows: {@link #CHUNKS} chunks, fixed whatever the
   * number of threads, whose partial sums are added in chunk order, so every thread count gives the same bits.
   */
  private MethodSpec.Builder pass(String suffix, String doc, Object... args) {
    return MethodSpec.methodBuilder(bn.name() + suffix).addModifiers(javax.lang.model.element.Modifier.PRIVATE).addJavadoc(doc + "\n", args)
        .addParameter(int.class, "part").addParameter(int.class, "parts");
  }

  /** Chunks of rows a pass is cut into: the units threads share, and the order partial sums are added in. */
  static final int CHUNKS = 16;

  private String partials() {
    return bn.name() + "Partials";
  }

  /** Opens the loop over this part's chunks and their rows: {@code x} is the row's first index. */
  private void chunkRows(MethodSpec.Builder mb, boolean perChunk) {
    int rows = ctx.batch() * bn.positions(), n = bn.channels();
    mb.beginControlFlow("for (int k = $L * part / parts, kEnd = $L * (part + 1) / parts; k < kEnd; k++)", CHUNKS, CHUNKS);
    if (perChunk) mb.addCode("$>");
    mb.addStatement("int r0 = $L * k / $L, r1 = $L * (k + 1) / $L", rows, CHUNKS, rows, CHUNKS);
  }

  private void openRows(MethodSpec.Builder mb) {
    mb.beginControlFlow("for (int r = r0, x = r0 * $L; r < r1; r++, x += $L)", bn.channels(), bn.channels());
  }

  /** The call running pass {@code suffix}: shared among threads when the trainer is, else as one part. */
  private String run(String suffix) {
    String m = bn.name() + suffix;
    return ctx.threaded() && size() >= Tasks.MIN_ELEMENTS ? ctx.tasks().call(m) : m + "(0, 1)";
  }

  /** {@code into[j] = factor · Σ over chunks of partials[chunk][offset + j]}, in chunk order. */
  private void combine(MethodSpec.Builder mb, String into, int offset, int width, double factor) {
    int n = bn.channels();
    mb.beginControlFlow("for (int j = 0; j < $L; j++)", n)
        .addStatement("$T s = 0", ctx.elem())
        .addStatement("for (int k = 0; k < $L; k++) s += $L[k * $L + $L]", CHUNKS, partials(), width, Gemm.sum(Integer.toString(offset), "j"))
        .addStatement("$L = s$L", into, factor == 1 ? "" : " * " + ctx.lit(factor))
        .endControlFlow();
  }

  private List<MethodSpec> vectorForward() {
    int n = bn.channels(), b = ctx.batch() * bn.positions(), nv = n / ctx.lanes();
    String V = "$T";
    String eps = ctx.lit(bn.eps()), one = ctx.lit(1);
    List<MethodSpec> methods = new java.util.ArrayList<>();
    MethodSpec.Builder entry = columnMethod(bn.name() + "Forward", "$L forward: normalizes each of the $L channels over the batch's $L pixels in training, with the running statistics in evaluation; $L vectors of channels a row.",
        bn.name(), n, b, nv);
    entry.addComment("(c0, c1: always all channels, here)");
    boolean evaluateOnly = ctx.inference() || bn.frozen();
    entry.beginControlFlow(evaluateOnly ? "" : "if (!training)");
    entry.addComment("y = x·γ/√(v + ε) + (β − μ·γ/√(v + ε)): the scale in $L, the shift in $L, for this pass", invStd, mean)
        .beginControlFlow("for (int j = 0; j < $L; j++)", n)
        .addStatement("$L[j] = params[$L + j] / $LMath.sqrt(params[$L + j] + $L)", invStd, gamma.constant(), ctx.narrow(), runVar.constant(), eps)
        .addStatement("$L[j] = params[$L + j] - params[$L + j] * $L[j]", mean, beta.constant(), runMean.constant(), invStd)
        .endControlFlow()
        .addStatement(run("Evaluate"));
    if (!evaluateOnly) entry.addStatement("return");
    entry.endControlFlow();
    MethodSpec.Builder eval = pass("Evaluate", "$L in evaluation: y = x·scale + shift on this part's rows.", bn.name());
    load(eval, "scale", invStd, "0");
    load(eval, "shift", mean, "0");
    chunkRows(eval, false);
    openRows(eval);
    each(eval, V + ".fromArray(S, " + in + ", x + $o).fma(scale#, shift#).intoArray(" + out + ", x + $o)");
    eval.endControlFlow().endControlFlow();
    if (evaluateOnly) {
      methods.add(entry.build());
      methods.add(eval.build());
      return methods;
    }
    entry.addStatement(run("Mean"));
    combine(entry, mean + "[j]", 0, n, 1.0 / b);
    entry.addStatement(run("Variance"));
    combine(entry, invStd + "[j]", 0, n, 1);
    entry.addComment("the variance, the running statistics (PyTorch's: the variance unbiased), 1/√(σ² + ε)")
        .beginControlFlow("for (int j = 0; j < $L; j++)", n)
        .addCode(statistics(b))
        .endControlFlow()
        .addStatement(run("Normalize"));
    methods.add(entry.build());
    methods.add(eval.build());

    MethodSpec.Builder meanPass = pass("Mean", "$L: each chunk's sum of each channel, into $L.", bn.name(), partials());
    chunkRows(meanPass, false);
    each(meanPass, V + " sum# = " + V + ".zero(S)");
    openRows(meanPass);
    each(meanPass, "sum# = sum#.add(" + V + ".fromArray(S, " + in + ", x + $o))");
    meanPass.endControlFlow();
    each(meanPass, "sum#.intoArray(" + partials() + ", k * " + n + " + $o)");
    meanPass.endControlFlow();
    methods.add(meanPass.build());

    MethodSpec.Builder varPass = pass("Variance", "$L: each chunk's sum of squared deviations from the mean (a second pass: stable in float32), into $L.",
        bn.name(), partials());
    load(varPass, "mu", mean, "0");
    chunkRows(varPass, false);
    each(varPass, V + " sum# = " + V + ".zero(S)");
    openRows(varPass);
    each(varPass, V + " d# = " + V + ".fromArray(S, " + in + ", x + $o).sub(mu#)");
    each(varPass, "sum# = d#.fma(d#, sum#)");
    varPass.endControlFlow();
    each(varPass, "sum#.intoArray(" + partials() + ", k * " + n + " + $o)");
    varPass.endControlFlow();
    methods.add(varPass.build());

    MethodSpec.Builder normPass = pass("Normalize", "$L: x̂ = (x − μ)/√(σ² + ε) into $L, y = γ·x̂ + β, on this part's rows.", bn.name(), norm);
    load(normPass, "mu", mean, "0");
    load(normPass, "inv", invStd, "0");
    load(normPass, "g", "params", gamma.constant());
    load(normPass, "be", "params", beta.constant());
    chunkRows(normPass, false);
    openRows(normPass);
    each(normPass, V + " h# = " + V + ".fromArray(S, " + in + ", x + $o).sub(mu#).mul(inv#)");
    each(normPass, "h#.intoArray(" + norm + ", x + $o)");
    each(normPass, "h#.fma(g#, be#).intoArray(" + out + ", x + $o)");
    normPass.endControlFlow().endControlFlow();
    methods.add(normPass.build());
    return methods;
  }

  /** The vector backward's per-channel coefficients a, b, c (see InputGrad). */
  private String coefficients() {
    return bn.name() + "Coefficients";
  }

  private List<MethodSpec> vectorBackward() {
    int n = bn.channels(), b = ctx.batch() * bn.positions();
    String V = "$T";
    List<MethodSpec> methods = new java.util.ArrayList<>();
    MethodSpec.Builder entry = columnMethod(bn.name() + "Backward", "$L backward: dγ, dβ$L, on vectors of channels.", bn.name(),
        inGrad == null ? "" : " and the input gradient");
    entry.addStatement(run("ParamGrads"));
    combine(entry, "grads[" + gamma.constant() + " + j]", 0, 2 * n, 1);
    combine(entry, "grads[" + beta.constant() + " + j]", n, 2 * n, 1);
    MethodSpec.Builder sums = pass("ParamGrads", "$L: each chunk's Σ dy·x̂ and Σ dy per channel, into $L.", bn.name(), partials());
    chunkRows(sums, false);
    each(sums, V + " dg# = " + V + ".zero(S)");
    each(sums, V + " db# = " + V + ".zero(S)");
    openRows(sums);
    each(sums, V + " dy# = " + V + ".fromArray(S, " + outGrad + ", x + $o)");
    each(sums, "dg# = dy#.fma(" + V + ".fromArray(S, " + norm + ", x + $o), dg#)");
    each(sums, "db# = db#.add(dy#)");
    sums.endControlFlow();
    each(sums, "dg#.intoArray(" + partials() + ", k * " + 2 * n + " + $o)");
    each(sums, "db#.intoArray(" + partials() + ", k * " + 2 * n + " + " + n + " + $o)");
    sums.endControlFlow();
    if (inGrad != null) {
      String co = coefficients();
      entry.addComment("per channel: a = γ/√(σ² + ε), b = a·dβ/B, c = a·dγ/B; then dx = a·dy − (b + c·x̂), B = $L values per channel", b)
          .beginControlFlow("for (int j = 0; j < $L; j++)", n)
          .addStatement("$T a = params[$L + j] * $L[j]", ctx.elem(), gamma.constant(), invStd)
          .addStatement("$L[j] = a", co)
          .addStatement("$L[$L + j] = a * grads[$L + j] * $L", co, n, beta.constant(), ctx.lit(1.0 / b))
          .addStatement("$L[$L + j] = a * grads[$L + j] * $L", co, 2 * n, gamma.constant(), ctx.lit(1.0 / b))
          .endControlFlow()
          .addStatement(run("InputGrad"));
    }
    methods.add(entry.build());
    methods.add(sums.build());
    if (inGrad != null) {
      String co = coefficients();
      MethodSpec.Builder dx = pass("InputGrad", "$L: dx = a·dy − (b + c·x̂) on this part's rows.", bn.name());
      load(dx, "a", co, "0");
      load(dx, "b", co, Integer.toString(n));
      load(dx, "c", co, Integer.toString(2 * n));
      chunkRows(dx, false);
      openRows(dx);
      each(dx, V + ".fromArray(S, " + outGrad + ", x + $o).mul(a#).sub(" + V + ".fromArray(S, " + norm + ", x + $o).fma(c#, b#)).intoArray(" + inGrad + ", x + $o)");
      dx.endControlFlow().endControlFlow();
      methods.add(dx.build());
    }
    return methods;
  }

  @Override
  void initialize(MethodSpec.Builder init) {
    init.addComment("$L: γ = 1, β = 0, running mean 0, running variance 1", bn.name());
    init.addStatement("$T.constant(params, $L, $L, 1)", RuntimeTypes.INITIALIZERS, gamma.constant(), gamma.size());
    init.addStatement("$T.constant(params, $L, $L, 0)", RuntimeTypes.INITIALIZERS, beta.constant(), beta.size());
    init.addStatement("$T.constant(params, $L, $L, 0)", RuntimeTypes.INITIALIZERS, runMean.constant(), runMean.size());
    init.addStatement("$T.constant(params, $L, $L, 1)", RuntimeTypes.INITIALIZERS, runVar.constant(), runVar.size());
  }
}
