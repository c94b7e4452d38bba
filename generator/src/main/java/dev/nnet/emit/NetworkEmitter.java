package dev.nnet.emit;

import static dev.nnet.emit.RuntimeTypes.*;

import com.squareup.javapoet.*;
import dev.nnet.analysis.Model;
import dev.nnet.analysis.Op;
import dev.nnet.layout.Layout;
import dev.nnet.runtime.TrainingPlan;
import java.util.ArrayList;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * Checked model + layout → the Java source of one trainer class, read like llm.c: one method per layer
 * and direction, called in order from {@code forward}, {@code backward} and {@code update}; every size,
 * offset and hyperparameter a literal.
 */
public final class NetworkEmitter {
  private final EmitContext ctx;
  private final Model model;
  private final List<LayerEmitter> layers = new ArrayList<>();
  private final List<String> gradBuffers = new ArrayList<>();
  // columnwise layers run inside a product's parts, and the product that runs them
  private final java.util.Map<LayerEmitter, String> forwardInTask = new java.util.HashMap<>(), backwardInTask = new java.util.HashMap<>();
  // runs of columnwise layers shared on their own, by their first layer (in the direction of the pass)
  private final java.util.Map<LayerEmitter, List<LayerEmitter>> forwardRuns = new java.util.LinkedHashMap<>(),
      backwardRuns = new java.util.LinkedHashMap<>();
  private final LossEmitter loss;
  private final OptimizerEmitter optimizer;

  private NetworkEmitter(Model model, Layout layout, EmitOptions options) {
    this.ctx = new EmitContext(model, layout, options.lanes(), false, new Tasks(), options.asArguments() ? new Arguments() : null);
    this.model = model;
    List<Op> ops = model.layers();
    boolean learnsBefore = false;
    String in = "input";
    for (int i = 0; i < ops.size(); i++) {
      Op op = ops.get(i);
      String inGrad = learnsBefore ? ops.get(i - 1).name() + "Grad" : null;
      if (inGrad != null) gradBuffers.add(inGrad);
      layers.add(LayerEmitter.of(ctx, op, in, inGrad));
      learnsBefore |= op.learns(); // below the lowest layer that learns, no gradient is needed at all
      in = op.name() + "Out";
    }
    Op last = ops.get(ops.size() - 1);
    gradBuffers.add(last.name() + "Grad");
    chainColumnwiseLayers();
    this.loss = new LossEmitter(ctx, last.name() + "Out", last.name() + "Grad");
    this.optimizer = new OptimizerEmitter(ctx);
  }

  /**
   * Hands the columnwise layers (activations, dropout, batchnorm) next to a dense layer whose product is
   * shared by columns to that product's parts: forward, the run after it; backward, the run before it, whose
   * gradients its input-gradient product produces column by column. They then run on every core, on columns
   * still in that core's cache, with no hand-off of their own.
   */
  private void chainColumnwiseLayers() {
    for (int i = 0; i < layers.size(); i++) {
      if (!(layers.get(i) instanceof DenseEmitter d)) continue;
      List<LayerEmitter> after = new ArrayList<>(), before = new ArrayList<>();
      if (d.forwardByColumns()) {
        for (int j = i + 1; j < layers.size() && layers.get(j).columnwise(); j++) after.add(layers.get(j));
      }
      if (d.inputGradByColumns()) {
        for (int j = i - 1; j >= 0 && layers.get(j).columnwise() && !layers.get(j).backward().isEmpty(); j--) before.add(layers.get(j));
      }
      d.chain(after, before);
      for (LayerEmitter l : after) forwardInTask.put(l, d.op().name() + "Forward");
      for (LayerEmitter l : before) backwardInTask.put(l, d.op().name() + "InputGrad");
    }
    // the runs left over (next to a product too small to share) are shared by columns on their own
    if (!ctx.threaded()) return;
    for (int i = 0; i < layers.size(); i++) {
      List<LayerEmitter> run = new ArrayList<>();
      for (int j = i; j < layers.size() && layers.get(j).columnwise() && !forwardInTask.containsKey(layers.get(j)); j++) run.add(layers.get(j));
      if (run.isEmpty()) continue;
      i += run.size() - 1;
      if (run.get(0).size() < Tasks.MIN_ELEMENTS) continue;
      String owner = run.get(0).op().name() + "ForwardParts";
      for (LayerEmitter l : run) forwardInTask.put(l, owner);
      forwardRuns.put(run.get(0), run);
    }
    for (int i = layers.size() - 1; i >= 0; i--) {
      List<LayerEmitter> run = new ArrayList<>();
      for (int j = i; j >= 0 && layers.get(j).columnwise() && !layers.get(j).backward().isEmpty() && !backwardInTask.containsKey(layers.get(j)); j--) {
        run.add(layers.get(j));
      }
      if (run.isEmpty()) continue;
      i -= run.size() - 1;
      if (run.get(0).size() < Tasks.MIN_ELEMENTS) continue;
      String owner = run.get(0).op().name() + "BackwardParts";
      for (LayerEmitter l : run) backwardInTask.put(l, owner);
      backwardRuns.put(run.get(0), run);
    }
  }

  /** A run of columnwise layers shared by columns on its own: part {@code part} does columns c0..c1−1 of each. */
  private MethodSpec runMethod(String name, List<LayerEmitter> run, boolean forward) {
    int n = run.get(0).op().outputSize(), lanes = ctx.lanes();
    StringBuilder names = new StringBuilder();
    for (LayerEmitter l : run) names.append(names.length() == 0 ? "" : ", ").append(l.op().name());
    MethodSpec.Builder mb = MethodSpec.methodBuilder(name).addModifiers(Modifier.PRIVATE)
        .addParameter(int.class, "part").addParameter(int.class, "parts")
        .addJavadoc("$L $L, shared by columns: each part takes an equal run of whole vectors of the $L columns.\n", names,
            forward ? "forward" : "backward", n)
        .addStatement("int c0 = $L * part / parts * $L, c1 = part == parts - 1 ? $L : $L * (part + 1) / parts * $L", n / lanes, lanes, n, n / lanes, lanes);
    for (LayerEmitter l : run) mb.addStatement(forward ? l.forwardColumns("c0", "c1") : l.backwardColumns("c0", "c1"));
    return mb.build();
  }

  /** The generated source file of {@code model}. */
  public static JavaFile emit(Model model, Layout layout, EmitOptions options) {
    return emitWithArguments(model, layout, options).file();
  }

  /**
   * A generated source file and the values its constructor takes.
   *
   * @param arguments the hyperparameters, in the constructor's order, when {@link EmitOptions#asArguments()}; else null
   */
  public record Emitted(JavaFile file, double[] arguments) {}

  public static Emitted emitWithArguments(Model model, Layout layout, EmitOptions options) {
    NetworkEmitter e = new NetworkEmitter(model, layout, options);
    JavaFile file = e.file(options.packageName());
    return new Emitted(file, e.ctx.asArguments() ? e.ctx.arguments().values() : null);
  }

  private JavaFile file(String pkg) {
    TypeSpec.Builder cls = TypeSpec.classBuilder(model.name())
        .addModifiers(Modifier.PUBLIC, Modifier.FINAL)
        .addSuperinterface(NETWORK)
        .addSuperinterface(TEAM_WORK)
        .addJavadoc(header());
    fields(cls);
    HalfEmitter half = ctx.half() ? new HalfEmitter(ctx) : null;
    if (half != null) half.declare(cls);
    if (scaled()) {
      cls.addField(FieldSpec.builder(float.class, "lossScale", Modifier.PRIVATE).addJavadoc("fp16's dynamic loss scale.\n").initializer("65536f").build());
      cls.addField(FieldSpec.builder(int.class, "cleanSteps", Modifier.PRIVATE).addJavadoc("Steps since the scale last changed.\n").build());
      cls.addField(FieldSpec.builder(long.class, "skippedSteps", Modifier.PRIVATE).addJavadoc("Steps skipped for an overflow.\n").build());
      cls.addField(FieldSpec.builder(boolean.class, HalfEmitter.OVERFLOW, Modifier.PRIVATE)
          .addJavadoc("Whether this step encoded a value beyond fp16's range (or not a number): its gradient cannot be trusted.\n").build());
    }
    // in the order a reader walks it: the steps and their drivers; each layer's forward and backward side
    // by side, in network order; the loss; then the plumbing (initialization, staging, accessors); the
    // register-tile kernels last, grouped by product; the thread dispatch
    cls.addMethods(steps());
    cls.addMethods(forward());
    cls.addMethods(backward());
    cls.addMethods(optimizer.methods());
    if (!model.plan().unfreezes().isEmpty()) cls.addMethod(optimizer.setLearning());
    if (half != null) cls.addMethods(half.methods());
    List<MethodSpec> kernels = new ArrayList<>();
    for (LayerEmitter l : layers) {
      List<MethodSpec> own = new ArrayList<>(l.forward());
      own.addAll(l.backward());
      own.addAll(l.support());
      for (MethodSpec m : own) if (!m.name.contains("Tile")) cls.addMethod(m);
      for (MethodSpec m : own) if (m.name.contains("Tile")) kernels.add(m);
    }
    for (var run : forwardRuns.entrySet()) cls.addMethod(runMethod(forwardInTask.get(run.getKey()), run.getValue(), true));
    for (var run : backwardRuns.entrySet()) cls.addMethod(runMethod(backwardInTask.get(run.getKey()), run.getValue(), false));
    cls.addMethods(loss.methods());
    cls.addMethods(initialize());
    cls.addMethod(stage());
    cls.addMethods(parametersChanged());
    cls.addMethod(MethodSpec.methodBuilder("spec").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC).returns(NETWORK_SPEC)
        .addStatement(ctx.asArguments() ? "return spec" : "return SPEC").build());
    cls.addMethods(specTables());
    cls.addMethods(accessors());
    cls.addMethods(nonFinite());
    cls.addMethods(kernels);
    boolean twins = twins(cls);
    ctx.tasks().declare(cls, twins);  // last: the emitters above registered the tasks
    if (ctx.asArguments()) ctx.arguments().declare(cls); // so did the hyperparameters
    TypeSpec type = allocateInConstructor(cls.build());
    return JavaFile.builder(pkg, type)
        .addFileComment("Generated by nnet from $L. Do not edit: change the .nnet file and generate again.", SafeText.comment(model.source().name()))
        .skipJavaLangImports(true).indent("  ").build();
  }

  private String header() {
    StringBuilder sb = new StringBuilder();
    sb.append(SafeText.comment(model.name())).append(": a trainer for exactly this network, batch ").append(ctx.batch())
        .append(", ").append(model.precision().keyword()).append(", ")
        .append(ctx.vector() ? "Vector API kernels (" + ctx.lanes() + " lanes)" : "plain-Java kernels").append(".\n<pre>\n");
    int width = "operation".length(), nameWidth = "layer".length();
    for (Op op : model.layers()) {
      width = Math.max(width, describe(op, ctx).length());
      nameWidth = Math.max(nameWidth, op.name().length());
    }
    String row = "%-" + nameWidth + "s  %-" + width + "s %8s %10s%n";
    sb.append(String.format(row, "layer", "operation", "output", "params"));
    sb.append(String.format(row, "input", "", shape(model.inputShape()), ""));
    List<dev.nnet.analysis.Shape> shapes = model.shapes();
    for (int i = 0; i < shapes.size(); i++) {
      Op op = model.layers().get(i);
      sb.append(String.format(row, op.name(), describe(op, ctx), shapes.get(i).toString(), op.parameterCount() == 0 ? "" : op.parameterCount()));
    }
    sb.append("</pre>\nLoss ").append(model.loss().kind().keyword).append("; optimizer ")
        .append(ctx.asArguments() ? model.optimizer().kind().name().toLowerCase(java.util.Locale.ROOT) : model.optimizer().describe()).append(".\n");
    if (ctx.asArguments()) {
      sb.append("<p>Compiled for a search: the training plan and the hyperparameters its trials vary without changing a shape\n")
          .append("(dropout, the optimizer's constants, regularization) are constructor arguments, so one class serves those trials.\n");
    }
    sb.append("<p>").append(layoutTable(ctx.layout()));
    return sb.toString().replace("$", "$$");
  }

  /** An operation as the header lists it: safe for a comment, without the explanatory tail (only its keyword in a search's class). */
  private static String describe(Op op, EmitContext ctx) {
    if (ctx.asArguments()) return op.keyword();
    return SafeText.comment(op.describe().replace("²", "^2")).split("#")[0].strip();
  }

  private static String shape(int[] s) {
    return java.util.Arrays.toString(s);
  }

  // ------------------------------------------------------------------ fields

  private void fields(TypeSpec.Builder cls) {
    TypeName arr = ctx.array();
    if (ctx.vector()) {
      ClassName boxed = ctx.f32() ? ClassName.get(Float.class) : ClassName.get(Double.class);
      cls.addField(FieldSpec.builder(ParameterizedTypeName.get(EmitContext.SPECIES, boxed), "S", Modifier.STATIC, Modifier.FINAL)
          .addJavadoc("The vector shape the kernels were generated for: $L lanes.\n", ctx.lanes())
          .initializer("$T.SPECIES_PREFERRED", ctx.vectorClass()).build());
    }
    cls.addField(FieldSpec.builder(NETWORK_SPEC, "SPEC", Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL).initializer(spec()).build());
    if (ctx.asArguments()) {
      cls.addField(FieldSpec.builder(NETWORK_SPEC, "spec", Modifier.PRIVATE).addJavadoc("SPEC with the plan given to the constructor.\n").build());
    }
    declareOffsets(cls, ctx.layout());
    int p = ctx.layout().arenaSize();
    cls.addField(FieldSpec.builder(arr, "params", Modifier.PRIVATE, Modifier.FINAL)
        .addJavadoc("All parameters, flat, each tensor at its offset constant (the layout in the class comment).\n")
        .initializer("new $T[$L]", ctx.elem(), p).build());
    cls.addField(FieldSpec.builder(arr, "grads", Modifier.PRIVATE, Modifier.FINAL)
        .addJavadoc("Their gradients, same layout; every element is overwritten by each backward pass.\n").initializer("new $T[$L]", ctx.elem(), p).build());
    optimizer.declare(cls);
    cls.addField(FieldSpec.builder(int.class, "step", Modifier.PRIVATE).addJavadoc("Updates made so far.\n").build());
    cls.addField(FieldSpec.builder(boolean.class, "training", Modifier.PRIVATE)
        .addJavadoc("Whether the pass in progress trains (dropout on, batch statistics) or evaluates.\n").build());
    cls.addField(FieldSpec.builder(RNG, "noise", Modifier.PRIVATE, Modifier.FINAL)
        .addJavadoc("Draws dropout masks.\n").initializer("new $T(0)", RNG).build());
    cls.addField(FieldSpec.builder(arr, "input", Modifier.PRIVATE, Modifier.FINAL)
        .addJavadoc("The batch, [$L][$L].\n", ctx.batch(), model.inputSize()).initializer("new $T[$L]", ctx.elem(), ctx.batch() * model.inputSize()).build());
    loss.declare(cls);
    cls.addField(FieldSpec.builder(ArrayTypeName.of(arr), "outputs", Modifier.PRIVATE)
        .addJavadoc("Each layer's output, by position (for diagnosis).\n").build());
    cls.addField(FieldSpec.builder(ArrayTypeName.of(arr), "outputGradients", Modifier.PRIVATE)
        .addJavadoc("Each layer's output gradient, by position; null where none is kept.\n").build());
    if (!ctx.vector()) {
      int widest = 1;
      for (Op op : model.layers()) widest = Math.max(widest, Math.max(op.inputSize(), op.outputSize()));
      for (LayerEmitter l : layers) widest = Math.max(widest, l.scratchWidth());
      cls.addField(FieldSpec.builder(arr, Gemm.SCRATCH, Modifier.PRIVATE, Modifier.FINAL)
          .addJavadoc("One row of a product's result, accumulated before it is stored.\n")
          .initializer("new $T[$L]", ctx.elem(), widest).build());
    }
    for (LayerEmitter l : layers) {
      cls.addField(FieldSpec.builder(arr, l.out, Modifier.PRIVATE, Modifier.FINAL)
          .addJavadoc("Output of $L, [$L][$L].\n", l.op().name(), ctx.batch(), l.op().outputSize())
          .initializer("new $T[$L]", ctx.elem(), l.size()).build());
      if (gradBuffers.contains(l.outGrad)) {
        cls.addField(FieldSpec.builder(arr, l.outGrad, Modifier.PRIVATE, Modifier.FINAL)
            .addJavadoc("Gradient of the mean loss with respect to $L.\n", l.out)
            .initializer("new $T[$L]", ctx.elem(), l.size()).build());
      }
      l.declare(cls);
    }
  }

  /**
   * A constant per tensor, its offset in the arena: {@code params[BATCHNORM1_RUNNING_MEAN + j]} names what it
   * reads. The gradients and the optimizer's state mirror the arena, so the same constants index them.
   */
  static void declareOffsets(TypeSpec.Builder cls, Layout layout) {
    for (Layout.Tensor t : layout.tensors()) {
      cls.addField(FieldSpec.builder(int.class, t.constant(), Modifier.STATIC, Modifier.FINAL)
          .initializer("$L", t.offset()).build());
    }
  }

  /** The arena's layout for the class comment: name, stored shape, offset and size of each tensor. */
  static String layoutTable(Layout layout) {
    StringBuilder sb = new StringBuilder("Parameter arena (params; grads and the optimizer state mirror it):\n<pre>\n");
    int nameWidth = "tensor".length();
    for (Layout.Tensor t : layout.tensors()) nameWidth = Math.max(nameWidth, t.constant().length());
    String row = "  %-" + nameWidth + "s %-12s %10s %10s%n";
    sb.append(String.format(java.util.Locale.ROOT, row, "offset constant", "shape", "offset", "size"));
    for (Layout.Tensor t : layout.tensors()) {
      sb.append(String.format(java.util.Locale.ROOT, row, t.constant(), "[" + t.rows() + "][" + t.cols() + "]", t.offset(), t.size()));
    }
    return sb.append(String.format(java.util.Locale.ROOT, row, "(total, padded)", "", "", layout.arenaSize())).append("</pre>\n").toString();
  }

  private CodeBlock spec() {
    TrainingPlan plan = model.plan();
    TrainingPlan.Data d = plan.data();
    CodeBlock.Builder aug = CodeBlock.builder();
    for (TrainingPlan.Augment a : d.augment()) aug.add(aug.isEmpty() ? "" : ", ").add("new $T($S, $L)", PLAN_AUGMENT, a.kind(), a.amount());
    StringBuilder classes = new StringBuilder();
    for (int c : d.classes()) classes.append(classes.length() > 0 ? ", " : "").append(c);
    CodeBlock subset = d.classes().isEmpty() && d.perClass() == 0 ? CodeBlock.of("")
        : CodeBlock.of(", $T.ints($L), $L", PLAN, classes, d.perClass());
    CodeBlock data = CodeBlock.of("new $T($S, $L, $L, $L, $L, $L, $L, new $T($S, $L, $L), $T.augments($L)$L)", PLAN_DATA, d.directory(),
        source(d.train()), source(d.test()), d.scale(), d.validation(), d.stratify(), d.folds(), PREPROCESS_SPEC, d.preprocess().kind(),
        d.preprocess().components(), d.preprocess().eps(), PLAN, aug.build(), subset);
    StringBuilder dims = new StringBuilder();
    for (int s : model.inputShape()) dims.append(dims.length() > 0 ? ", " : "").append(s);
    return CodeBlock.builder().add("new $T($S, $S, new int[] {$L}, $L, $L, $L, $T.$L, $T.$L,\n", NETWORK_SPEC, model.name(),
            model.source().name(), dims, model.inputSize(), model.outputSize(), ctx.batch(), PRECISION, model.precision().name(),
            TASK, loss.task())
        .indent().add("$T.asList(tensorTable()),\n", java.util.Arrays.class)
        .add("$L, $S, $S,\n", model.parameterCount(), ctx.vector() ? "vector:" + ctx.lanes() + (ctx.half() ? " " + ctx.mixed().keyword : "") : "plain",
            ctx.layout().signature())
        .add(ctx.asArguments() ? CodeBlock.of("null, // the plan: given to the constructor\n") : CodeBlock.builder()
            .add("new $T($L, $LL, $L, $L, $S, $L,\n", PLAN, plan.epochs(), plan.seed(), plan.shuffle(), plan.learningRate(), plan.optimizer(), data)
            .add("$L, $L, $L$L)$L,\n", schedule(plan), stopping(plan), plan.checkpointEvery(), transfers(plan),
                plan.report() == null ? "" : CodeBlock.of(".withReport($S)", plan.report())).build())
        .add("$T.layers(layerTable()))", NETWORK_SPEC)
        .unindent().build();
  }

  /**
   * {@code from ... load} and {@code unfreeze} lines, as the plan's last arguments; nothing when there are none.
   * Paths and names as escaped literals.
   */
  private static CodeBlock transfers(TrainingPlan plan) {
    if (plan.transfers().isEmpty() && plan.unfreezes().isEmpty()) return CodeBlock.of("");
    // (not transfers() with no arguments: that names the record's accessor)
    CodeBlock.Builder b = CodeBlock.builder().add(plan.transfers().isEmpty() ? ",\n$T.noTransfers(" : ",\n$T.transfers(", PLAN);
    for (int i = 0; i < plan.transfers().size(); i++) {
      TrainingPlan.Transfer t = plan.transfers().get(i);
      b.add(i > 0 ? ", " : "").add("new $T($S, $T.names(", PLAN.nestedClass("Transfer"), t.path(), PLAN);
      for (int j = 0; j < t.tensors().size(); j++) b.add(j > 0 ? ", $S" : "$S", t.tensors().get(j));
      b.add("))");
    }
    b.add(")");
    if (plan.unfreezes().isEmpty()) return b.build();
    b.add(",\n$T.unfreezes(", PLAN);
    for (int i = 0; i < plan.unfreezes().size(); i++) {
      TrainingPlan.Unfreeze u = plan.unfreezes().get(i);
      b.add(i > 0 ? ", " : "").add("new $T($L, $T.names(", PLAN.nestedClass("Unfreeze"), u.epoch(), PLAN);
      for (int j = 0; j < u.layers().size(); j++) b.add(j > 0 ? ", $S" : "$S", u.layers().get(j));
      b.add("))");
    }
    return b.add(")").build();
  }

  /**
   * The parameter tensors and the layers of {@link #spec}, each built by a static method: one statement per
   * entry, split like any body that grows with depth (an array initializer would land whole in the class's
   * static initializer).
   */
  private List<MethodSpec> specTables() {
    List<CodeBlock> tensors = new ArrayList<>();
    List<Layout.Tensor> all = ctx.layout().tensors();
    for (int i = 0; i < all.size(); i++) {
      Layout.Tensor t = all.get(i);
      StringBuilder dims = new StringBuilder();
      for (int d : t.param().dims()) dims.append(dims.length() > 0 ? ", " : "").append(d);
      // weights are decayed by default; biases, norm parameters and running statistics are not
      tensors.add(CodeBlock.builder().addStatement("t[$L] = new $T($S, $L, new int[] {$L}, $L, $L)", i, PARAM_TENSOR, t.name(),
          t.constant(), dims, t.weight(), t.param().transposed()).build());
    }
    List<CodeBlock> layers = new ArrayList<>();
    List<Op> ops = model.layers();
    for (int i = 0; i < ops.size(); i++) {
      Op op = ops.get(i);
      layers.add(CodeBlock.builder().addStatement("t[$L] = new $T($S, $S, $L)", i, LAYER, op.name(), op.keyword(), op.outputSize()).build());
    }
    List<MethodSpec> methods = new ArrayList<>();
    methods.add(table("tensorTable", PARAM_TENSOR, tensors, methods));
    methods.add(table("layerTable", LAYER, layers, methods));
    return methods;
  }

  private static MethodSpec table(String name, ClassName element, List<CodeBlock> entries, List<MethodSpec> parts) {
    ArrayTypeName type = ArrayTypeName.of(element);
    MethodSpec.Builder mb = MethodSpec.methodBuilder(name).addModifiers(Modifier.PRIVATE, Modifier.STATIC).returns(type)
        .addStatement("$T t = new $T[$L]", type, element, entries.size());
    parts.addAll(Split.into(mb, name, true, List.of(ParameterSpec.builder(type, "t").build()), entries));
    return mb.addStatement("return t").build();
  }

  private TypeSpec allocateInConstructor(TypeSpec type) {
    return Split.allocateInConstructor(type, constructor().toBuilder(), layerTables());
  }

  /** Each layer's output and gradient, by position: what layerOutput(i) and layerGradient(i) return. */
  private List<CodeBlock> layerTables() {
    List<CodeBlock> out = new ArrayList<>();
    out.add(CodeBlock.builder().addStatement("outputs = new $T[$L][]", ctx.elem(), layers.size()).build());
    out.add(CodeBlock.builder().addStatement("outputGradients = new $T[$L][]", ctx.elem(), layers.size()).build());
    for (int i = 0; i < layers.size(); i++) {
      LayerEmitter l = layers.get(i);
      out.add(CodeBlock.builder().addStatement("outputs[$L] = $L", i, l.out).build());
      if (gradBuffers.contains(l.outGrad)) out.add(CodeBlock.builder().addStatement("outputGradients[$L] = $L", i, l.outGrad).build());
    }
    return out;
  }

  private static CodeBlock schedule(TrainingPlan plan) {
    CodeBlock.Builder stages = CodeBlock.builder();
    for (TrainingPlan.Stage st : plan.schedule()) {
      StringBuilder nums = new StringBuilder();
      for (double d : st.args()) nums.append(nums.length() > 0 ? ", " : "").append(d);
      stages.add(stages.isEmpty() ? "" : ", ").add("new $T($S, $L, new double[] {$L}, $S)", PLAN_STAGE, st.kind(), st.perStep(), nums, st.monitor());
    }
    return CodeBlock.of("$T.stages($L)", PLAN, stages.build());
  }

  private static CodeBlock stopping(TrainingPlan plan) {
    TrainingPlan.EarlyStopping e = plan.earlyStopping();
    if (e == null) return CodeBlock.of("null");
    return CodeBlock.of("new $T($S, $L, $L, $L)", PLAN_STOPPING, e.monitor(), e.patience(), e.minDelta(), e.restoreBest());
  }

  private static CodeBlock source(TrainingPlan.Source s) {
    if (s == null) return CodeBlock.of("null");
    CodeBlock.Builder paths = CodeBlock.builder();
    for (String p : s.paths()) paths.add(paths.isEmpty() ? "$S" : ", $S", p);
    CodeBlock.Builder options = CodeBlock.builder();
    s.options().forEach((k, v) -> options.add(options.isEmpty() ? "$S, $S" : ", $S, $S", k, v));
    return CodeBlock.of("new $T($S, $T.paths($L), $T.options($L))", PLAN_SOURCE, s.format(), PLAN, paths.build(), PLAN, options.build());
  }

  // ------------------------------------------------------------------ methods

  private MethodSpec constructor() {
    MethodSpec.Builder mb = MethodSpec.constructorBuilder().addModifiers(Modifier.PUBLIC);
    if (ctx.asArguments()) {
      mb.addJavadoc("A trainer with these hyperparameters (in the order of the fields they set) and this training plan.\n")
          .addParameter(double[].class, "values").addParameter(PLAN, "plan");
      ctx.arguments().assign(mb);
      mb.addStatement("spec = SPEC.withPlan(plan)");
    }
    if (ctx.vector()) {
      mb.beginControlFlow("if (S.length() != $L)", ctx.lanes())
          .addStatement("throw new $T($S + S.length() + $S)", IllegalStateException.class,
              "this trainer was generated for " + ctx.lanes() + "-lane vectors but this JVM's preferred vectors have ",
              " lanes; generate it again on this machine")
          .endControlFlow();
    }
    return mb.build();
  }

  private List<MethodSpec> initialize() {
    MethodSpec.Builder mb = MethodSpec.methodBuilder("initialize").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
        .addParameter(long.class, "seed");
    mb.addStatement("$T rng = new $T(seed)", RNG, RNG);
    List<CodeBlock> perLayer = new ArrayList<>();
    for (LayerEmitter l : layers) perLayer.add(Split.capture(l::initialize));
    List<MethodSpec> methods = new ArrayList<>(Split.into(mb, "initialize", false, List.of(ParameterSpec.builder(RNG, "rng").build()), perLayer));
    optimizer.reset(mb);
    mb.addStatement("step = 0");
    mb.addStatement("noise.setState($T.derive(seed, 3))", RNG);
    mb.addStatement("parametersChanged()");
    methods.add(0, mb.build());
    return methods;
  }

  private MethodSpec stage() {
    int in = model.inputSize(), b = ctx.batch();
    MethodSpec.Builder mb = MethodSpec.methodBuilder("stage").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
        .addParameter(DATASET, "data").addParameter(int[].class, "order").addParameter(int.class, "from")
        .addParameter(int.class, "count").addParameter(double.class, "scale");
    mb.addStatement("float[] x = data.features()");
    if (!ctx.f32()) mb.addStatement("double[] wide = data.wideFeatures()").addComment("float64 as read, when the set kept it");
    mb.addStatement("int[] y = data.labels()");
    if (!loss.classification()) {
      mb.addStatement("float[] t = data.targetSize() == $L ? data.targets() : null", model.outputSize());
      if (!ctx.f32()) mb.addStatement("double[] wideT = data.targetSize() == $L ? data.wideTargets() : null", model.outputSize());
    }
    mb.beginControlFlow("for (int r = 0; r < count; r++)");
    mb.addStatement("int s = order[from + r]");
    if (ctx.f32()) {
      mb.addStatement("System.arraycopy(x, s * $L, input, r * $L, $L)", in, in, in);
    } else {
      mb.addStatement("int src = s * $L, dst = r * $L", in, in);
      mb.addStatement("if (wide != null) System.arraycopy(wide, src, input, dst, $L)", in);
      mb.addStatement("else for (int j = 0; j < $L; j++) input[dst + j] = x[src + j]", in);
    }
    loss.stageRow(mb);
    mb.endControlFlow();
    mb.addStatement("java.util.Arrays.fill(input, count * $L, $L, 0)", in, b * in);
    mb.addComment("scaled in one pass over the batch, every access at the same index, which C2 vectorizes");
    if (ctx.f32()) mb.addStatement("float f = (float) scale").addStatement("if (f != 1) for (int i = 0; i < $L; i++) input[i] *= f", b * in);
    else mb.addStatement("if (scale != 1) for (int i = 0; i < $L; i++) input[i] *= scale", b * in);
    return mb.build();
  }

  /** Whether the loss is scaled (mixed precision in fp16, whose small gradients would otherwise flush to zero). */
  private boolean scaled() {
    return ctx.mixed() == Model.Mixed.FP16;
  }

  private List<MethodSpec> steps() {
    String lossCall = loss.methodName();
    int b = ctx.batch();
    MethodSpec.Builder train = MethodSpec.methodBuilder("trainStep").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC).returns(double.class)
        .addParameter(double.class, "lr");
    MethodSpec.Builder gradients = MethodSpec.methodBuilder("computeGradients").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC).returns(double.class);
    for (MethodSpec.Builder mb : List.of(train, gradients)) {
      // the flag of this step's fp16 encodings: set only where a value overflows (threads only ever set it), cleared here
      if (scaled()) mb.addStatement("$L = false", HalfEmitter.OVERFLOW);
      mb.addStatement("forward(true)").addStatement("double loss = $L($L, true) / $L", lossCall, b, b);
    }
    if (scaled()) {
      train.addStatement("scaleLossGradient()").addStatement("backward()").addStatement("if (unscaleGradients()) update(lr)");
      gradients.addStatement("scaleLossGradient()").addStatement("backward()").addStatement("unscaleGradients()");
    } else {
      train.addStatement("backward()").addStatement("update(lr)");
      gradients.addStatement("backward()");
    }
    List<MethodSpec> out = new ArrayList<>(List.of(train.addStatement("return loss").build(), gradients.addStatement("return loss").build()));
    if (scaled()) out.addAll(lossScaling());
    out.addAll(List.of(
        MethodSpec.methodBuilder("trainingLoss").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC).returns(double.class)
            .addStatement("forward(true)")
            .addStatement("return $L($L, true) / $L", lossCall, b, b).build(),
        MethodSpec.methodBuilder("evaluate").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC).returns(double.class)
            .addParameter(int.class, "count")
            .addStatement("forward(false)")
            .addStatement("return $L(count, false)", lossCall).build()));
    return out;
  }

  /**
   * Dynamic loss scaling, as torch.cuda.amp.GradScaler does it: the loss's gradient is multiplied by the scale
   * (65,536 to start), so small gradients stay representable in fp16; the parameters' gradients are divided by it
   * before the update. A step whose gradient is not finite is skipped and halves the scale; 2,000 clean steps
   * in a row double it.
   */
  private List<MethodSpec> lossScaling() {
    LayerEmitter last = layers.get(layers.size() - 1);
    int n = ctx.batch() * last.op().outputSize();
    return List.of(
        MethodSpec.methodBuilder("scaleLossGradient").addModifiers(Modifier.PRIVATE)
            .addJavadoc("Multiplies the loss's gradient in $L by the loss scale.\n", last.outGrad)
            .addStatement("for (int i = 0; i < $L; i++) $L[i] *= lossScale", n, last.outGrad).build(),
        MethodSpec.methodBuilder("unscaleGradients").addModifiers(Modifier.PRIVATE).returns(boolean.class)
            .addJavadoc("Divides the gradients by the loss scale; returns whether they are finite (else halves the scale).\n")
            .addStatement("float inverse = 1 / lossScale")
            .addStatement("float check = 0")
            .beginControlFlow("for (int i = 0; i < $L; i++)", ctx.layout().arenaSize())
            .addStatement("float g = grads[i] * inverse")
            .addStatement("grads[i] = g")
            .addStatement("check += g - g")
            .endControlFlow()
            .addComment("g − g is 0 for every finite g and NaN for an infinity or NaN, so check is 0 exactly when all are finite;")
            .addComment("an operand that overflowed fp16 was flagged when it was encoded (it is never decoded as a number)")
            .addStatement("boolean overflow = $L", HalfEmitter.OVERFLOW)
            .beginControlFlow("if (check != 0 || check != check || overflow)")
            .addStatement("lossScale *= 0.5f")
            .addStatement("cleanSteps = 0")
            .addStatement("skippedSteps++")
            .addStatement("return false")
            .endControlFlow()
            .beginControlFlow("if (++cleanSteps == 2000)")
            .addStatement("lossScale *= 2")
            .addStatement("cleanSteps = 0")
            .endControlFlow()
            .addStatement("return true").build(),
        MethodSpec.methodBuilder("lossScale").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC).returns(double.class)
            .addStatement("return lossScale").build(),
        MethodSpec.methodBuilder("skippedSteps").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC).returns(long.class)
            .addStatement("return skippedSteps").build());
  }

  private List<MethodSpec> forward() {
    MethodSpec.Builder mb = MethodSpec.methodBuilder("forward").addModifiers(Modifier.PRIVATE).addParameter(boolean.class, "training")
        .addJavadoc("Every layer in order; {@code training} turns dropout and batch statistics on.\n");
    mb.addStatement("this.training = training");
    List<CodeBlock> steps = new ArrayList<>();
    for (LayerEmitter l : layers) {
      CodeBlock before = Split.capture(l::beforeForward);
      if (!before.isEmpty()) steps.add(before);
    }
    for (LayerEmitter l : layers) {
      if (forwardRuns.containsKey(l)) steps.add(CodeBlock.builder().addStatement(ctx.tasks().call(forwardInTask.get(l))).build());
      else if (forwardInTask.containsKey(l)) steps.add(CodeBlock.builder().add("// $L: run by $L's parts, on their columns\n", l.op().name(), forwardInTask.get(l)).build());
      else {
        CodeBlock.Builder call = CodeBlock.builder();
        for (String statement : l.forwardCall().split(";\n")) call.addStatement(statement); // a layer's call may be two statements
        steps.add(call.build());
      }
    }
    List<MethodSpec> methods = new ArrayList<>(Split.into(mb, "forward", false, List.of(), steps));
    methods.add(0, mb.build());
    return methods;
  }

  private List<MethodSpec> backward() {
    MethodSpec.Builder mb = MethodSpec.methodBuilder("backward").addModifiers(Modifier.PRIVATE)
        .addJavadoc("Every layer in reverse, from the loss gradient the loss left in $L.\n", layers.get(layers.size() - 1).outGrad);
    List<CodeBlock> steps = new ArrayList<>();
    for (int i = layers.size() - 1; i >= 0; i--) {
      LayerEmitter l = layers.get(i);
      if (l.backward().isEmpty()) continue;
      if (backwardRuns.containsKey(l)) steps.add(CodeBlock.builder().addStatement(ctx.tasks().call(backwardInTask.get(l))).build());
      else if (backwardInTask.containsKey(l)) steps.add(CodeBlock.builder().add("// $L: run by $L's parts, on their columns\n", l.op().name(), backwardInTask.get(l)).build());
      else steps.add(CodeBlock.builder().addStatement(l.backwardCall()).build());
    }
    List<MethodSpec> methods = new ArrayList<>(Split.into(mb, "backward", false, List.of(), steps));
    methods.add(0, mb.build());
    return methods;
  }

  private List<MethodSpec> parametersChanged() {
    MethodSpec.Builder mb = MethodSpec.methodBuilder("parametersChanged").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
        .addJavadoc("Refreshes the transposed weight copies the input gradients read.\n");
    List<CodeBlock> steps = new ArrayList<>();
    for (LayerEmitter l : layers) {
      CodeBlock c = Split.capture(l::refresh);
      if (!c.isEmpty()) steps.add(c);
    }
    List<MethodSpec> methods = new ArrayList<>(Split.into(mb, "parametersChanged", false, List.of(), steps));
    methods.add(0, mb.build());
    return methods;
  }

  private List<MethodSpec> accessors() {
    List<MethodSpec> m = new ArrayList<>();
    m.add(getter("parameters", ARENA, CodeBlock.of("$T.of(params)", ARENAS)));
    m.add(getter("gradients", ARENA, CodeBlock.of("$T.of(grads)", ARENAS)));
    m.add(getter("optimizerState", ARENA, optimizer.stateArena()));
    m.add(MethodSpec.methodBuilder("gradientNorm").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC).returns(double.class)
        .addStatement("double sum = 0")
        .addStatement("for (int i = 0; i < $L; i++) sum += (double) grads[i] * grads[i]", ctx.layout().arenaSize())
        .addStatement("return Math.sqrt(sum)").build());
    m.add(getter("optimizerSteps", TypeName.INT, CodeBlock.of("step")));
    m.add(MethodSpec.methodBuilder("setOptimizerSteps").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
        .addParameter(int.class, "steps").addStatement("step = steps").build());
    m.add(getter("noiseState", TypeName.LONG, CodeBlock.of("noise.state()")));
    m.add(MethodSpec.methodBuilder("layerOutput").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
        .returns(ARENA).addParameter(int.class, "i")
        .addStatement("return i < 0 || i >= $L ? null : $T.of(outputs[i])", layers.size(), ARENAS).build());
    m.add(MethodSpec.methodBuilder("layerGradient").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
        .returns(ARENA).addParameter(int.class, "i")
        .addStatement("return i < 0 || i >= $L || outputGradients[i] == null ? null : $T.of(outputGradients[i])", layers.size(), ARENAS).build());
    m.add(MethodSpec.methodBuilder("setNoiseState").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
        .addParameter(long.class, "state").addStatement("noise.setState(state)").build());
    return m;
  }

  /** When a product above has a scalar twin: the switch between twins and tiles, and its accessors. Returns whether. */
  private static boolean twins(TypeSpec.Builder cls) {
    boolean any = false;
    for (MethodSpec m : cls.methodSpecs) any |= m.code.toString().contains(SCALAR_TWINS.simpleName() + ".product(");
    if (!any) return false;
    cls.addField(FieldSpec.builder(boolean.class, Gemm.VECTOR_TILES, Modifier.PRIVATE, Modifier.VOLATILE)
        .addJavadoc("Whether the products run their vector tiles, or (false) their scalar twins, which give the same bits and are\n"
            + "compiled sooner: a trainer starts on the twins while a scratch copy has the tiles compiled ($T).\n", TILE_WARMUP)
        .initializer("true").build());
    cls.addMethod(getter("hasScalarTwins", TypeName.BOOLEAN, CodeBlock.of("true")));
    cls.addMethod(MethodSpec.methodBuilder("useVectorTiles").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
        .addParameter(boolean.class, "on").addStatement("$L = on", Gemm.VECTOR_TILES).build());
    return true;
  }

  private static MethodSpec getter(String name, TypeName type, CodeBlock value) {
    return MethodSpec.methodBuilder(name).addAnnotation(Override.class).addModifiers(Modifier.PUBLIC).returns(type)
        .addStatement("return $L", value).build();
  }

  private List<MethodSpec> nonFinite() {
    // loops over the tables rather than a statement per buffer: no code, and no name in the constant pool, per layer
    MethodSpec.Builder mb = MethodSpec.methodBuilder("firstNonFinite").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
        .returns(String.class)
        .addComment("(casts: Janino compiles generic types as raw)")
        .beginControlFlow("for (int i = 0; i < outputs.length; i++)")
        .addStatement("if (!finite(outputs[i], 0, outputs[i].length)) return (($T) SPEC.layers().get(i)).name() + $S", LAYER, " (output)")
        .endControlFlow()
        .beginControlFlow("for (int i = outputGradients.length - 1; i >= 0; i--)")
        .addStatement("if (outputGradients[i] != null && !finite(outputGradients[i], 0, outputGradients[i].length)) return (($T) SPEC.layers().get(i)).name() + $S",
            LAYER, " (gradient)")
        .endControlFlow()
        .beginControlFlow("for (int i = 0; i < SPEC.tensors().size(); i++)")
        .addStatement("$T t = ($T) SPEC.tensors().get(i)", PARAM_TENSOR, PARAM_TENSOR)
        .addStatement("if (!finite(grads, t.offset(), t.size())) return t.name() + $S", " (gradient)")
        .addStatement("if (!finite(params, t.offset(), t.size())) return t.name()")
        .endControlFlow()
        .addStatement("return null");
    List<MethodSpec> parts = List.of();
    MethodSpec finite = MethodSpec.methodBuilder("finite").addModifiers(Modifier.PRIVATE, Modifier.STATIC).returns(boolean.class)
        .addParameter(ctx.array(), "a").addParameter(int.class, "from").addParameter(int.class, "count")
        .addStatement("for (int i = from; i < from + count; i++) if (!$T.isFinite(a[i])) return false", ctx.f32() ? Float.class : Double.class)
        .addStatement("return true").build();
    List<MethodSpec> methods = new ArrayList<>(parts);
    methods.add(0, mb.build());
    methods.add(finite);
    return methods;
  }
}
