package dev.nnet.emit;

import com.squareup.javapoet.FieldSpec;
import com.squareup.javapoet.MethodSpec;
import com.squareup.javapoet.TypeSpec;
import dev.nnet.analysis.Init;
import dev.nnet.analysis.Op;
import dev.nnet.layout.Layout;
import java.util.ArrayList;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * dense(units): y = x·W + b, with W stored [in][out] in the parameter arena.
 * Backward: dW = xᵀ·dy, db = Σ_rows dy, dx = dy·Wᵀ (read from a transposed copy kept in step with W,
 * and skipped entirely when no earlier layer learns).
 *
 * <p>On the plain-Java path the products read their B operand as row arrays: W's rows
 * ({@code WeightRows}), Wᵀ's rows ({@code WeightTRows}), both refreshed after every update, and a
 * row-array copy of dy ({@code GradRows}) made before the weight gradient.
 */
final class DenseEmitter extends LayerEmitter {
  private final Op.Dense d;
  private final Layout.Tensor w, b;
  private final String transposed;   // Wᵀ: flat [out][in] on the vector path, rows on the plain path
  private final String weightRows;   // plain path: W as rows
  private final String gradRows;     // plain path: dy as rows
  private final HalfEmitter half;    // mixed precision: the products read 16-bit copies; null otherwise
  private List<LayerEmitter> after = List.of(), before = List.of();

  DenseEmitter(EmitContext ctx, Op.Dense d, String in, String inGrad) {
    super(ctx, d, in, inGrad);
    this.d = d;
    this.w = ctx.layout().weight(d);
    this.b = ctx.layout().bias(d);
    this.transposed = inGrad == null ? null : d.name() + (ctx.vector() ? "WeightT" : "WeightTRows");
    this.weightRows = ctx.vector() ? null : d.name() + "WeightRows";
    this.gradRows = ctx.vector() || ctx.inference() ? null : d.name() + "GradRows";
    this.half = ctx.half() && !narrow() ? new HalfEmitter(ctx) : null;
  }

  /** Mixed precision: the layer's input in 16 bits, for the forward product and the weight gradient. */
  private String inHalf() {
    return d.name() + "InHalf";
  }

  /** Mixed precision: W [in][out] in 16 bits, for the forward product. */
  private String weightHalf() {
    return d.name() + "WeightHalf";
  }

  /** Mixed precision: dy in 16 bits, for both gradient products. */
  private String gradHalf() {
    return d.name() + "GradHalf";
  }

  @Override
  Op op() {
    return d;
  }

  @Override
  void declare(TypeSpec.Builder cls) {
    int in = d.inputSize(), outN = d.outputSize();
    if (half != null) {
      String fmt = ctx.mixed().keyword;
      cls.addField(FieldSpec.builder(short[].class, inHalf(), Modifier.PRIVATE, Modifier.FINAL)
          .addJavadoc("$L [$L][$L] in $L, for the forward product and the weight gradient.\n", this.in, ctx.batch(), in, fmt)
          .initializer("new short[$L]", ctx.batch() * in).build());
      cls.addField(FieldSpec.builder(short[].class, weightHalf(), Modifier.PRIVATE, Modifier.FINAL)
          .addJavadoc("$L.weight [$L][$L] in $L, for the forward product; refreshed after every update.\n", d.name(), in, outN, fmt)
          .initializer("new short[$L]", in * outN).build());
      cls.addField(FieldSpec.builder(short[].class, gradHalf(), Modifier.PRIVATE, Modifier.FINAL)
          .addJavadoc("$L [$L][$L] in $L, for the gradient products.\n", outGrad, ctx.batch(), outN, fmt)
          .initializer("new short[$L]", ctx.batch() * outN).build());
    }
    if (transposed != null && half != null) {
      cls.addField(FieldSpec.builder(short[].class, transposed, Modifier.PRIVATE, Modifier.FINAL).initializer("new short[$L]", in * outN)
          .addJavadoc("$L.weight transposed to [$L][$L] in $L, for the input gradient; refreshed after every update.\n", d.name(), outN, in,
              ctx.mixed().keyword).build());
    } else if (transposed != null) {
      FieldSpec.Builder f = ctx.vector()
          ? FieldSpec.builder(ctx.array(), transposed, Modifier.PRIVATE, Modifier.FINAL).initializer("new $T[$L]", ctx.elem(), in * outN)
          : FieldSpec.builder(rows(), transposed, Modifier.PRIVATE, Modifier.FINAL).initializer("new $T[$L][$L]", ctx.elem(), outN, in);
      cls.addField(f.addJavadoc("$L.weight transposed to [$L][$L], for the input gradient; refreshed after every update.\n",
          d.name(), outN, in).build());
    }
    if (weightRows != null) {
      cls.addField(FieldSpec.builder(rows(), weightRows, Modifier.PRIVATE, Modifier.FINAL)
          .addJavadoc("$L.weight [$L][$L] as row arrays; refreshed after every update.\n", d.name(), in, outN)
          .initializer("new $T[$L][$L]", ctx.elem(), in, outN).build());
    }
    if (dotForward()) {
      cls.addField(FieldSpec.builder(ctx.array(), dotLanes(), Modifier.PRIVATE, Modifier.FINAL)
          .addJavadoc("The lanes of one row's $L dot products, summed in order.\n", outN)
          .initializer("new $T[$L]", ctx.elem(), outN * ctx.lanes()).build());
    }
    if (narrow() && !ctx.inference()) {
      cls.addField(FieldSpec.builder(ctx.array(), transposedGrad(), Modifier.PRIVATE, Modifier.FINAL)
          .addJavadoc("dWᵀ [$L][$L] of the last backward pass, before it is stored as dW.\n", outN, in)
          .initializer("new $T[$L]", ctx.elem(), outN * in).build());
    }
    if (gradRows != null) {
      cls.addField(FieldSpec.builder(rows(), gradRows, Modifier.PRIVATE, Modifier.FINAL)
          .addJavadoc("$L as row arrays [$L][$L], for the weight gradient.\n", outGrad, ctx.batch(), outN)
          .initializer("new $T[$L][$L]", ctx.elem(), ctx.batch(), outN).build());
    }
  }

  private com.squareup.javapoet.ArrayTypeName rows() {
    return com.squareup.javapoet.ArrayTypeName.of(ctx.array());
  }

  /**
   * Whether the layer's outputs do not fill one vector (a 10-class output layer, say): the tile kernels
   * would leave every column to their scalar tail, which ran at 5 GFLOP/s and took 8% of an M1 step. Such
   * a layer's forward pass takes dot products along k instead, of input rows and rows of Wᵀ (which the
   * input gradient keeps anyway), and its weight gradient is computed transposed, dWᵀ = dyᵀ·x, where
   * the input's width fills the vectors.
   */
  private boolean narrow() {
    return ctx.vector() && d.outputSize() < ctx.lanes();
  }

  /** Whether the forward pass uses dot products (narrow, with Wᵀ at hand). */
  private boolean dotForward() {
    return narrow() && transposed != null;
  }

  /** Whether the forward product is shared by columns, so the columnwise layers after it can ride along. */
  boolean forwardByColumns() {
    return !dotForward() && forwardProduct().split(ctx) == Gemm.Split.COLUMNS;
  }

  /** Whether the input-gradient product is shared by columns, so the columnwise layers before it can ride along. */
  boolean inputGradByColumns() {
    return inGrad != null && inputProduct().split(ctx) == Gemm.Split.COLUMNS;
  }

  /**
   * Runs {@code after}'s forward passes in the forward product's parts and {@code before}'s backward passes
   * (nearest first) in the input-gradient product's parts, instead of as separate passes.
   */
  void chain(List<LayerEmitter> after, List<LayerEmitter> before) {
    this.after = List.copyOf(after);
    this.before = List.copyOf(before);
  }

  /** y = x·W + b. */
  private Gemm forwardProduct() {
    int bsz = ctx.batch(), in = d.inputSize(), outN = d.outputSize();
    return new Gemm(d.name() + "Forward",
        String.format("%s forward: %s[%d][%d] = %s[%d][%d] · W[%d][%d] + b[%d].\n<p>From %s", d.name(), out, bsz, outN,
            this.in, bsz, in, in, outN, outN, ctx.origin(d)),
        bsz, outN, in, this.in, "0", in, 1, "params", w.constant(), outN, weightRows, out, "0", outN, "params", b.constant())
        .withEpilogue(after.stream().map(l -> l.forwardColumns("c0", "c1")).toList());
  }

  /** The scratch a narrow layer's weight gradient is computed in, transposed. */
  private String transposedGrad() {
    return d.name() + "WeightGradTransposed";
  }

  /** dWᵀ = dyᵀ·x into the scratch {@link #transposedGrad}, for narrow layers. */
  private Gemm transposedWeightProduct() {
    int bsz = ctx.batch(), in = d.inputSize(), outN = d.outputSize();
    return new Gemm(d.name() + "WeightGradT",
        String.format("dWᵀ[%d][%d] = %sᵀ · %s, over the batch of %d, into %s.", outN, in, outGrad, this.in, bsz, transposedGrad()),
        outN, in, bsz, outGrad, "0", 1, outN, this.in, "0", in, null, transposedGrad(), "0", in, null, "0");
  }

  /** Copies dWᵀ from the scratch into the gradient arena, as dW [in][out]. */
  private MethodSpec storeTransposedWeightGrad() {
    int in = d.inputSize(), outN = d.outputSize();
    return MethodSpec.methodBuilder(d.name() + "WeightGradStore").addModifiers(Modifier.PRIVATE)
        .addJavadoc("dW[$L][$L] = the transpose of $L.\n", in, outN, transposedGrad())
        .beginControlFlow("for (int i = 0; i < $L; i++)", in)
        .addStatement("for (int j = 0; j < $L; j++) grads[$L + i * $L + j] = $L[j * $L + i]", outN, w.constant(), outN, transposedGrad(), in)
        .endControlFlow().build();
  }

  private String dotLanes() {
    return d.name() + "DotLanes";
  }

  /** y = x·W + b as dot products along k of x's rows and Wᵀ's rows, one accumulator per output column. */
  private MethodSpec dotForwardMethod() {
    int bsz = ctx.batch(), in = d.inputSize(), n = d.outputSize(), lanes = ctx.lanes(), kv = in / lanes * lanes;
    var V = ctx.vectorClass();
    MethodSpec.Builder mb = method(d.name() + "Forward", "$L forward: $L[$L][$L] = $L[$L][$L] · W[$L][$L] + b[$L], as dot products along k\n"
        + "with the rows of Wᵀ ($L): $L outputs do not fill a vector, so each row keeps one accumulator per output.",
        d.name(), out, bsz, n, this.in, bsz, in, in, n, n, transposed, n);
    mb.beginControlFlow("for (int i = 0; i < $L; i++)", bsz).addStatement("int a = i * $L", in);
    for (int j = 0; j < n; j++) mb.addStatement("$T acc$L = $T.zero(S)", V, j, V);
    if (kv > 0) {
      mb.beginControlFlow("for (int k = 0; k < $L; k += $L)", kv, lanes)
          .addStatement("$T x = $T.fromArray(S, $L, a + k)", V, V, this.in);
      for (int j = 0; j < n; j++) mb.addStatement("acc$L = x.fma($T.fromArray(S, $L, $L), acc$L)", j, V, transposed, Gemm.sum(Integer.toString(j * in), "k"), j);
      mb.endControlFlow();
    }
    mb.addComment("the lanes are summed in a fixed order: reduceLanes may order a float sum differently in")
        .addComment("interpreted and compiled code, and a seed must give the same bits whenever C2 steps in");
    for (int j = 0; j < n; j++) mb.addStatement("acc$L.intoArray($L, $L)", j, dotLanes(), j * lanes);
    mb.beginControlFlow("for (int j = 0; j < $L; j++)", n)
        .addStatement("$T s = params[$L + j]", ctx.elem(), b.constant())
        .addStatement("for (int l = 0; l < $L; l++) s += $L[j * $L + l]", lanes, dotLanes(), lanes);
    if (kv < in) mb.addStatement("for (int k = $L; k < $L; k++) s += $L[a + k] * $L[j * $L + k]", kv, in, this.in, transposed, in);
    mb.addStatement("$L[i * $L + j] = s", out, n).endControlFlow();
    mb.endControlFlow();
    return mb.build();
  }

  /** dW = xᵀ·dy. */
  private Gemm weightProduct() {
    int bsz = ctx.batch(), in = d.inputSize(), outN = d.outputSize();
    return new Gemm(d.name() + "WeightGrad",
        String.format("dW[%d][%d] = %sᵀ · %s, over the batch of %d.", in, outN, this.in, outGrad, bsz),
        in, outN, bsz, this.in, "0", 1, in, outGrad, "0", outN, gradRows, "grads", w.constant(), outN, null, "0");
  }

  /** dx = dy·Wᵀ. */
  private Gemm inputProduct() {
    int bsz = ctx.batch(), in = d.inputSize(), outN = d.outputSize();
    return new Gemm(d.name() + "InputGrad",
        String.format("%s[%d][%d] = %s · Wᵀ, reading W transposed from %s.", inGrad, bsz, in, outGrad, transposed),
        bsz, in, outN, outGrad, "0", outN, 1, transposed, "0", in, transposed, inGrad, "0", in, null, "0")
        .withEpilogue(before.stream().map(l -> l.backwardColumns("c0", "c1")).toList());
  }

  @Override
  String forwardCall() {
    // two statements: the input in 16 bits, then the product that reads it
    if (half != null) return half.encode(this.in, "0", inHalf(), "0", Integer.toString(ctx.batch() * d.inputSize())) + ";\n" + halfForward().call(ctx);
    return dotForward() ? d.name() + "Forward()" : forwardProduct().call(ctx);
  }

  @Override
  List<MethodSpec> forward() {
    if (half != null) return halfForward().emit(ctx);
    return dotForward() ? List.of(dotForwardMethod()) : forwardProduct().emit(ctx);
  }

  private Gemm halfForward() {
    return forwardProduct().withHalves(inHalf(), weightHalf(), "0", ctx.mixed());
  }

  @Override
  List<MethodSpec> backward() {
    int bsz = ctx.batch(), outN = d.outputSize();
    List<MethodSpec> methods = new ArrayList<>();
    if (d.frozen() && inGrad == null) return methods; // frozen, and nothing below learns: no backward at all
    MethodSpec.Builder entry = d.frozen() ? method(d.name() + "Backward", "$L backward (frozen: no weight or bias gradient): the input gradient.", d.name())
        : method(d.name() + "Backward", "$L backward: weight, bias$L gradients.", d.name(), inGrad == null ? "" : " and input");
    if (half != null) entry.addStatement(half.encode(outGrad, "0", gradHalf(), "0", Integer.toString(bsz * outN)));
    if (!d.frozen()) {
      boolean gated = openLearning(entry);
      if (gradRows != null) {
        entry.addStatement("for (int r = 0; r < $L; r++) System.arraycopy($L, r * $L, $L[r], 0, $L)", bsz, outGrad, outN, gradRows, outN);
      }
      Gemm weight = narrow() ? transposedWeightProduct() : half != null ? weightProduct().withHalves(inHalf(), gradHalf(), ctx.mixed()) : weightProduct();
      entry.addStatement(weight.call(ctx));
      if (narrow()) entry.addStatement("$LWeightGradStore()", d.name());
      entry.addStatement("$LBiasGrad()", d.name());
      if (gated) entry.endControlFlow();
      methods.addAll(weight.emit(ctx));
      if (narrow()) methods.add(storeTransposedWeightGrad());
      methods.add(biasGrad());
    }
    if (inGrad != null) {
      Gemm input = half != null ? inputProduct().withHalves(gradHalf(), transposed, ctx.mixed()) : inputProduct();
      entry.addStatement(input.call(ctx));
      methods.addAll(input.emit(ctx));
    }
    methods.add(0, entry.build());
    return methods;
  }

  private MethodSpec biasGrad() {
    return biasGrad(ctx, d.name() + "BiasGrad", outGrad, ctx.batch(), d.outputSize(), b.constant(), "the batch's rows");
  }

  /** Whether the refresh is worth sharing among threads. */
  private boolean splitRefresh() {
    return ctx.threaded() && d.inputSize() * d.outputSize() >= Tasks.MIN_ELEMENTS;
  }

  /**
   * Refreshes the copies of W the products read: Wᵀ (flat or rows) and, on the plain path, W's rows; in mixed
   * precision W in 16 bits, whose transpose is then a copy of shorts.
   */
  private MethodSpec refreshCopies() {
    int in = d.inputSize(), outN = d.outputSize(), block = 16, blocks = (in + block - 1) / block;
    MethodSpec.Builder mb = MethodSpec.methodBuilder(d.name() + "RefreshCopies").addModifiers(Modifier.PRIVATE)
        .addJavadoc("Copies $L.weight [$L][$L] into the layouts its products read.\n", d.name(), in, outN);
    if (weightRows != null) {
      mb.addStatement("for (int i = 0; i < $L; i++) System.arraycopy(params, $L + i * $L, $L[i], 0, $L)", in, w.constant(), outN, weightRows, outN);
    }
    if (splitRefresh()) mb.addParameter(int.class, "part").addParameter(int.class, "parts");
    if (half != null && !splitRefresh()) mb.addStatement(half.encodeWeights("params", w.constant(), weightHalf(), "0", Integer.toString(in * outN)));
    if (half != null && splitRefresh()) {
      // the rows whose blocks this part transposes below, so it reads only what it encoded
      mb.addComment("this part's rows of W, in $L", ctx.mixed().keyword)
          .addStatement("int r0 = $L * part / parts * $L, r1 = Math.min($L * (part + 1) / parts * $L, $L)", blocks, block, blocks, block, in)
          .addStatement(half.encodeWeights("params", w.constant() + " + r0 * " + outN, weightHalf(), "r0 * " + outN, "(r1 - r0) * " + outN));
    }
    if (transposed != null) {
      String store = ctx.vector() ? transposed + "[o * " + in + " + i]" : transposed + "[o][i]";
      mb.addComment("transposed in $L×$L blocks, so reads and writes both stay in cache", block, block);
      if (splitRefresh()) {
        mb.addJavadoc("<p>Shared by rows of W: each part takes a run of the $L blocks.\n", blocks)
            .beginControlFlow("for (int i0 = $L * part / parts * $L, end = Math.min($L * (part + 1) / parts * $L, $L); i0 < end; i0 += $L)",
                blocks, block, blocks, block, in, block);
      } else {
        mb.beginControlFlow("for (int i0 = 0; i0 < $L; i0 += $L)", in, block);
      }
      mb.addStatement("int i1 = Math.min(i0 + $L, $L)", block, in)
          .beginControlFlow("for (int o0 = 0; o0 < $L; o0 += $L)", outN, block)
          .addStatement("int o1 = Math.min(o0 + $L, $L)", block, outN)
          .beginControlFlow("for (int i = i0; i < i1; i++)")
          .addStatement("int src = $L", half == null ? w.constant() + " + i * " + outN : "i * " + outN)
          .addStatement("for (int o = o0; o < o1; o++) $L = $L[src + o]", store, half == null ? "params" : weightHalf())
          .endControlFlow()
          .endControlFlow()
          .endControlFlow();
    }
    return mb.build();
  }

  private boolean hasCopies() {
    return transposed != null || weightRows != null || half != null;
  }

  @Override
  void initialize(MethodSpec.Builder init) {
    init(init, w, d.weightInit(), "fan_in " + d.inputSize() + ", fan_out " + d.outputSize());
    init(init, b, d.biasInit(), null);
  }

  @Override
  void refresh(MethodSpec.Builder after) {
    if (!hasCopies()) return;
    if (splitRefresh()) after.addStatement(ctx.tasks().call(d.name() + "RefreshCopies"));
    else after.addStatement("$LRefreshCopies()", d.name());
  }

  @Override
  List<MethodSpec> support() {
    return hasCopies() ? List.of(refreshCopies()) : List.of();
  }
}
