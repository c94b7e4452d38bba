package dev.nnet.emit;

import com.squareup.javapoet.CodeBlock;
import com.squareup.javapoet.FieldSpec;
import com.squareup.javapoet.MethodSpec;
import com.squareup.javapoet.TypeSpec;
import dev.nnet.analysis.Model;
import dev.nnet.analysis.Op;
import dev.nnet.layout.Layout;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * The update, in torch.optim's conventions (η the learning rate of this step, g the gradient, t the step):
 * <ul>
 *   <li>sgd: p ← p − η·g; with momentum μ: v ← μ·v + g, p ← p − η·v; Nesterov: p ← p − η·(g + μ·v)
 *   <li>adagrad: h ← h + g², p ← p − η·g / (√h + ε)
 *   <li>rmsprop: h ← ρ·h + (1−ρ)·g², p ← p − η·g / (√h + ε)
 *   <li>adam: m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; p ← p − (η / (1−β1ᵗ))·m / (√v / √(1−β2ᵗ) + ε)
 *   <li>adamw: p ← p·(1 − η·λ) on weights (not biases), then adam
 * </ul>
 * Before the rule, as PyTorch orders it, the gradient is clipped (clip_value, clip_norm) and the
 * regularization terms are added: g + λ2·W + λ1·sign(W) on weights (biases when asked), layer by layer.
 * The momentum convention is PyTorch's (v accumulates gradients; η applies when stepping), so a changing
 * η scales the whole step, not only the newest gradient. Each rule is one loop over a range of the flat
 * arena, every array indexed by the same i, which C2 vectorizes; {@code update} calls it with literal
 * bounds (per tensor when weights and biases are treated differently).
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

  /** The per-parameter state arrays: momentum's velocity, AdaGrad's and RMSProp's squares, Adam's moments. */
  List<String> state() {
    return switch (opt.kind()) {
      case SGD -> opt.momentum() != 0 ? List.of("velocity") : List.of();
      case ADAGRAD -> List.of("sumSquares");
      case RMSPROP -> List.of("meanSquares");
      case ADAM, ADAMW -> List.of("moment1", "moment2");
    };
  }

  /**
   * A parameter group: the layers with one learning-rate multiplier (lr_scale) that start learning at one
   * unfreeze phase (0: from the start). Their per-step scalars are their own; a phase's Adam steps count from
   * its start, as for parameters new to a PyTorch optimizer.
   */
  private record Group(double scale, int phase) {}

  private Group group(Layout.Tensor t) {
    return new Group(t.layer().lrScale(), ctx.model().phaseOf(t.layer()));
  }

  /** The groups other than the plain one (scale 1, from the start), in layer order: group k's scalars are named with k + 1. */
  private List<Group> groups() {
    List<Group> out = new java.util.ArrayList<>();
    for (Layout.Tensor t : ctx.layout().tensors()) {
      Group g = group(t);
      if (!skipped(t) && !g.equals(new Group(1, 0)) && !out.contains(g)) out.add(g);
    }
    return out;
  }

  private boolean adam() {
    return opt.kind() == Model.Optimizer.Kind.ADAM || opt.kind() == Model.Optimizer.Kind.ADAMW;
  }

  /** The per-step scalars of group k + 1: AdamW's decay, the step size or rate, and a late phase's own Adam correction. */
  private List<String> groupScalars(int k, Group g) {
    List<String> s = new java.util.ArrayList<>();
    if (opt.kind() == Model.Optimizer.Kind.ADAMW) s.add("decay" + k);
    s.add(adam() ? "stepSize" + k : "rate" + k);
    if (adam() && g.phase() > 0) s.add("correction2" + k);
    return s;
  }

  void declare(TypeSpec.Builder cls) {
    List<Group> groups = groups();
    for (int k = 1; k <= groups.size(); k++) {
      Group g = groups.get(k - 1);
      for (String f : groupScalars(k, g)) {
        cls.addField(FieldSpec.builder(ctx.elem(), f, Modifier.PRIVATE)
            .addJavadoc("This step's $L for the layers $L, set by update.\n", f.replaceAll("[0-9]+$", ""), describe(g)).build());
      }
    }
    for (int p = 1; p <= ctx.model().plan().unfreezes().size(); p++) {
      cls.addField(FieldSpec.builder(boolean.class, LayerEmitter.learningFlag(p), Modifier.PRIVATE)
          .addJavadoc("Whether the layers of unfreeze phase $L ($L) learn yet: set by setLearning.\n", p,
              String.join(", ", ctx.model().plan().unfreezes().get(p - 1).layers())).build());
      cls.addField(FieldSpec.builder(int.class, LayerEmitter.learningFlag(p) + "From", Modifier.PRIVATE)
          .addJavadoc("The optimizer steps done before phase $L began: its Adam steps count from there.\n", p).build());
    }
    for (String f : state()) {
      cls.addField(FieldSpec.builder(ctx.array(), f, Modifier.PRIVATE, Modifier.FINAL)
          .addJavadoc("Optimizer state, one per parameter.\n").initializer("new $T[$L]", ctx.elem(), size).build());
    }
    for (String f : scalars()) {
      cls.addField(FieldSpec.builder(ctx.elem(), f, Modifier.PRIVATE).addJavadoc("This step's $L, set by update for every part.\n", f).build());
    }
  }

  /** The per-step scalars the rule reads, in the order updateRange takes them after its range. */
  private List<String> scalars() {
    List<String> s = new java.util.ArrayList<>();
    if (opt.kind() == Model.Optimizer.Kind.ADAMW) s.add("decay");
    if (ctx.model().regularization().clipNorm() > 0) s.add("clip");
    if (opt.kind() == Model.Optimizer.Kind.ADAM || opt.kind() == Model.Optimizer.Kind.ADAMW) {
      s.add("stepSize");
      s.add("correction2");
    } else {
      s.add("rate");
    }
    return s;
  }

  private static String describe(Group g) {
    String scale = g.scale() != 1 ? "with lr_scale: " + g.scale() : "";
    String phase = g.phase() > 0 ? "of unfreeze phase " + g.phase() : "";
    return scale.isEmpty() ? phase : phase.isEmpty() ? scale : scale + " " + phase;
  }

  /**
   * {@code setLearning(phase, on, fromStep)}: switches an unfreeze phase. Switched off, its layers' gradients
   * are cleared, so the global norm clip_norm reads sees only the layers that learn.
   */
  MethodSpec setLearning() {
    MethodSpec.Builder mb = MethodSpec.methodBuilder("setLearning").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
        .addParameter(int.class, "phase").addParameter(boolean.class, "on").addParameter(int.class, "fromStep");
    List<dev.nnet.runtime.TrainingPlan.Unfreeze> phases = ctx.model().plan().unfreezes();
    for (int p = 1; p <= phases.size(); p++) {
      mb.beginControlFlow("if (phase == $L)", p).addComment("unfreeze $L at epoch $L", String.join(", ", phases.get(p - 1).layers()), phases.get(p - 1).epoch())
          .addStatement("$L = on", LayerEmitter.learningFlag(p)).addStatement("$LFrom = fromStep", LayerEmitter.learningFlag(p));
      mb.beginControlFlow("if (!on)");
      for (Layout.Tensor t : ctx.layout().tensors()) {
        if (ctx.model().phaseOf(t.layer()) == p) mb.addStatement("java.util.Arrays.fill(grads, $L, $L + $L, 0)", t.constant(), t.constant(), t.size());
      }
      mb.endControlFlow().addStatement("return").endControlFlow();
    }
    mb.addStatement("throw new IllegalArgumentException($S + phase)", "no unfreeze phase ");
    return mb.build();
  }

  /** Whether the update is worth sharing among threads. */
  private boolean split() {
    return ctx.threaded() && size >= Tasks.MIN_ELEMENTS;
  }

  /** The expression exposing the optimizer state as one arena. */
  CodeBlock stateArena() {
    List<String> s = state();
    if (s.isEmpty()) return CodeBlock.of("$T.of(new $T[0])", RuntimeTypes.ARENAS, ctx.elem());
    CodeBlock arena = CodeBlock.of("$T.of($L)", RuntimeTypes.ARENAS, s.get(0));
    for (int i = 1; i < s.size(); i++) arena = CodeBlock.of("$T.concat($L, $T.of($L))", RuntimeTypes.ARENAS, arena, RuntimeTypes.ARENAS, s.get(i));
    return arena;
  }

  /** Statements zeroing the optimizer state. */
  void reset(MethodSpec.Builder mb) {
    for (String f : state()) mb.addStatement("java.util.Arrays.fill($L, 0)", f);
  }

  List<MethodSpec> methods() {
    List<MethodSpec> m = new java.util.ArrayList<>(List.of(update(), share(), range()));
    m.addAll(1, parts());
    return m;
  }

  private MethodSpec update() {
    Model.Regularization reg = ctx.model().regularization();
    MethodSpec.Builder mb = MethodSpec.methodBuilder("update").addModifiers(Modifier.PRIVATE).addParameter(double.class, "lr")
        .addJavadoc("$L over all $L parameters.\n", ctx.asArguments() ? opt.kind().name().toLowerCase(java.util.Locale.ROOT) : opt.describe(), size);
    if (opt.line() > 0) mb.addJavadoc("<p>From $L\n", ctx.sourceLine(opt.line()));
    mb.addStatement("step++");
    String e = ctx.narrow();
    switch (opt.kind()) {
      case ADAM, ADAMW -> {
        mb.addStatement("stepSize = $L(lr / (1 - Math.pow($L, step)))", e, ctx.doubleValue("beta1", opt.beta1()));
        mb.addStatement("correction2 = $L(1 / Math.sqrt(1 - Math.pow($L, step)))", e, ctx.doubleValue("beta2", opt.beta2()));
      }
      default -> mb.addStatement("rate = $Llr", e);
    }
    if (reg.clipNorm() > 0) {
      mb.addComment("clip_norm $L: scale the gradient so its global L2 norm is at most that, as torch's clip_grad_norm_", ctx.shown("clipNorm", reg.clipNorm()));
      mb.addComment("(which adds 1e-6 to the norm, then clamps the factor at 1)");
      mb.addStatement("double norm = gradientNorm()");
      mb.addStatement("clip = $L(Math.min(1.0, $L / (norm + 1e-6)))", e, ctx.doubleValue("clipNorm", reg.clipNorm()));
    }
    if (opt.kind() == Model.Optimizer.Kind.ADAMW) mb.addStatement("decay = $L(1 - lr * $L)", e, ctx.doubleValue("weightDecay", opt.weightDecay()));
    List<Group> groups = groups();
    for (int k = 1; k <= groups.size(); k++) {
      Group g = groups.get(k - 1);
      double sc = g.scale();
      mb.addComment("the layers $L, a parameter group of their own", describe(g));
      String t = "step";
      if (g.phase() > 0) {
        String flag = LayerEmitter.learningFlag(g.phase());
        mb.beginControlFlow("if ($L)", flag);
        if (adam()) {
          mb.addStatement("int t = step - $LFrom", flag);
          t = "t";
        }
      }
      switch (opt.kind()) {
        case ADAM, ADAMW -> mb.addStatement("stepSize$L = $L($L / (1 - Math.pow($L, $L)))", k, e, sc == 1 ? "lr" : "lr * " + sc, ctx.doubleValue("beta1", opt.beta1()), t);
        default -> mb.addStatement("rate$L = $L$L", k, e, sc == 1 ? "lr" : "(lr * " + sc + ")");
      }
      if (adam() && g.phase() > 0) mb.addStatement("correction2$L = $L(1 / Math.sqrt(1 - Math.pow($L, $L)))", k, e, ctx.doubleValue("beta2", opt.beta2()), t);
      if (opt.kind() == Model.Optimizer.Kind.ADAMW) mb.addStatement("decay$L = $L(1 - $L * $L)", k, e, sc == 1 ? "lr" : "lr * " + sc, ctx.doubleValue("weightDecay", opt.weightDecay()));
      if (g.phase() > 0) mb.endControlFlow();
    }
    mb.addStatement(split() ? ctx.tasks().call("updateParts") : "updateParts(0, 1)");
    mb.addComment("the input gradients read copies of the weights: keep them in step");
    mb.addStatement("parametersChanged()");
    return mb.build();
  }

  /** Part {@code part} of {@code parts} of the update: a share of every range, each parameter in exactly one part. */
  private List<MethodSpec> parts() {
    MethodSpec.Builder mb = MethodSpec.methodBuilder("updateParts").addModifiers(Modifier.PRIVATE)
        .addParameter(int.class, "part").addParameter(int.class, "parts")
        .addJavadoc("The update of part {@code part} of {@code parts}: a share of each range of parameters.\n");
    if (!perTensor()) {
      mb.addStatement("updateRange(share(0, $L, part, parts), share(0, $L, part + 1, parts)$L)", size, size, arguments(null));
      return List.of(mb.build());
    }
    // neighbouring tensors updated alike share one range (the alignment padding between them is zero and stays zero)
    List<CodeBlock> ranges = new java.util.ArrayList<>();
    List<Layout.Tensor> tensors = ctx.layout().tensors();
    for (int i = 0; i < tensors.size(); i++) {
      Layout.Tensor t = tensors.get(i);
      if (skipped(t)) {
        ranges.add(CodeBlock.of("// $L: $L\n", t.name(), t.role() == Op.Role.STATE ? "running statistics, not trained" : "frozen"));
        continue;
      }
      String args = arguments(t);
      int j = i;
      while (j + 1 < tensors.size() && !skipped(tensors.get(j + 1)) && arguments(tensors.get(j + 1)).equals(args)) j++;
      String from = t.constant(), to = tensors.get(j).constant() + " + " + tensors.get(j).size();
      int phase = group(t).phase();
      ranges.add(CodeBlock.builder().add("// $L$L\n", i == j ? t.name() : t.name() + " to " + tensors.get(j).name(), phase > 0 ? ", from unfreeze phase " + phase : "")
          .addStatement((phase > 0 ? "if (" + LayerEmitter.learningFlag(phase) + ") " : "") + "updateRange(share($L, $L, part, parts), share($L, $L, part + 1, parts)$L)",
              from, to, from, to, args).build());
      i = j;
    }
    List<MethodSpec> methods = new java.util.ArrayList<>(Split.into(mb, "updateParts", false,
        List.of(com.squareup.javapoet.ParameterSpec.builder(int.class, "part").build(), com.squareup.javapoet.ParameterSpec.builder(int.class, "parts").build()),
        ranges));
    methods.add(0, mb.build());
    return methods;
  }

  private MethodSpec share() {
    return MethodSpec.methodBuilder("share").addModifiers(Modifier.PRIVATE, Modifier.STATIC).returns(int.class)
        .addParameter(int.class, "from").addParameter(int.class, "to").addParameter(int.class, "part").addParameter(int.class, "parts")
        .addJavadoc("Where part {@code part} of {@code parts} of from..to starts, on a multiple of 16 elements (a cache line).\n")
        .addStatement("return part == parts ? to : from + (int) ((long) (to - from) * part / parts) / 16 * 16").build();
  }

  /** Whether tensors are treated differently (frozen layers, decay on weights only, decay or rate multipliers). */
  private boolean perTensor() {
    if (opt.kind() == Model.Optimizer.Kind.ADAMW || ctx.model().regularization().decays() || !groups().isEmpty()) return true;
    for (Layout.Tensor t : ctx.layout().tensors()) if (skipped(t)) return true;
    return false;
  }

  /** Tensors the update leaves alone: frozen layers' and running statistics. */
  private static boolean skipped(Layout.Tensor t) {
    return t.role() == Op.Role.STATE || t.layer().frozen();
  }

  /** The arguments after from and to: AdamW's decay factor, L2 and L1 strengths, the clip factor, the rule's scalars. */
  private String arguments(Layout.Tensor t) {
    Model.Regularization reg = ctx.model().regularization();
    StringBuilder sb = new StringBuilder();
    int k = t == null ? 0 : groups().indexOf(group(t)) + 1; // 0: the plain group
    String group = k == 0 ? "" : Integer.toString(k);
    String correction = k > 0 && groups().get(k - 1).phase() > 0 ? "correction2" + k : "correction2";
    if (opt.kind() == Model.Optimizer.Kind.ADAMW) sb.append(", ").append(t != null && t.weight() ? "decay" + group : ctx.lit(1));
    if (reg.decays()) {
      Op.Dense d = t == null ? null : t.dense();
      double m = d != null ? (t.weight() || d.biasDecay() ? d.decay() : 0)
          : t != null && t.layer() instanceof Op.Conv c ? (t.weight() ? c.decay() : 0)
          : t != null && t.weight() ? 1 : 0; // norm parameters are never decayed
      String tensor = m == 1 ? "" : "For" + t.constant(); // a layer with a decay factor of its own
      sb.append(", ").append(m == 0 ? ctx.lit(0) : ctx.value("l2" + tensor, reg.weightDecay() * m))
          .append(", ").append(m == 0 ? ctx.lit(0) : ctx.value("l1" + tensor, reg.l1() * m));
    }
    if (reg.clipNorm() > 0) sb.append(", clip");
    sb.append(switch (opt.kind()) {
      case ADAM, ADAMW -> ", stepSize" + group + ", " + correction;
      default -> ", rate" + group;
    });
    return sb.toString();
  }

  private MethodSpec range() {
    Model.Regularization reg = ctx.model().regularization();
    MethodSpec.Builder mb = MethodSpec.methodBuilder("updateRange").addModifiers(Modifier.PRIVATE)
        .addParameter(int.class, "from").addParameter(int.class, "to");
    if (opt.kind() == Model.Optimizer.Kind.ADAMW) mb.addParameter(ctx.elem(), "decay");
    if (reg.decays()) mb.addParameter(ctx.elem(), "l2").addParameter(ctx.elem(), "l1");
    if (reg.clipNorm() > 0) mb.addParameter(ctx.elem(), "clip");
    switch (opt.kind()) {
      case ADAM, ADAMW -> mb.addParameter(ctx.elem(), "stepSize").addParameter(ctx.elem(), "correction2");
      default -> mb.addParameter(ctx.elem(), "rate");
    }
    mb.addJavadoc("The $L rule on parameters from..to−1.\n", opt.kind().name().toLowerCase(java.util.Locale.ROOT));
    if (decays()) {
      mb.addComment("State that decays where the gradient is zero (pixels that are almost always 0, say) would")
          .addComment("become subnormal, and x86 cores take a microcode assist of ~100 cycles on each subnormal")
          .addComment("operand or result: measured 10x slower here. Adding and subtracting $L rounds state", ctx.lit(tiny()))
          .addComment("below it to a multiple of $L, branch-free, so neither the state nor its decayed value", ctx.lit(quantum()))
          .addComment("(β·state) is ever subnormal. State that small moves no parameter measurably.");
    }
    mb.beginControlFlow("for (int i = from; i < to; i++)");
    mb.addStatement("$T g = grads[i]", ctx.elem());
    if (reg.clipValue() > 0) mb.addStatement("g = Math.max($L, Math.min($L, g))", ctx.value("minusClipValue", -reg.clipValue()), ctx.value("clipValue", reg.clipValue()));
    if (reg.clipNorm() > 0) mb.addStatement("g *= clip");
    // only the terms the file asks for: Math.signum would keep C2 from vectorizing the loop for nothing
    if (reg.weightDecay() > 0 && reg.l1() > 0) mb.addStatement("g += l2 * params[i] + l1 * Math.signum(params[i])");
    else if (reg.weightDecay() > 0) mb.addStatement("g += l2 * params[i]");
    else if (reg.l1() > 0) mb.addStatement("g += l1 * Math.signum(params[i])");
    if (squares()) {
      mb.addComment("g·g (times 1 − β) would be subnormal for |g| below ~1e-18 (saturated softmax outputs give such");
      mb.addComment("gradients): g is rounded to a multiple of $L first, whose square is still normal. Steps that", ctx.lit(gradientQuantum()));
      mb.addComment("small are far below what ε = $L lets through.", ctx.asArguments() ? "epsilon" : ctx.value("epsilon", opt.eps()));
      String t = ctx.lit(Math.scalb(gradientQuantum(), ctx.f32() ? 23 : 52));
      mb.addStatement("g = (g + $L) - $L", t, t);
    }
    String sqrt = ctx.narrow() + "Math.sqrt";
    switch (opt.kind()) {
      case SGD -> {
        if (opt.momentum() == 0) {
          mb.addStatement("params[i] -= rate * g");
        } else {
          mb.addStatement("$T v = $L * velocity[i] + g", ctx.elem(), ctx.value("momentum", opt.momentum()));
          mb.addStatement("velocity[i] = $L", keepNormal("v"));
          if (opt.nesterov()) mb.addStatement("params[i] -= rate * (g + $L * v)", ctx.value("momentum", opt.momentum()));
          else mb.addStatement("params[i] -= rate * v");
        }
      }
      case ADAGRAD -> {
        mb.addStatement("$T h = sumSquares[i] + g * g", ctx.elem());
        mb.addStatement("sumSquares[i] = h");
        mb.addStatement("params[i] -= rate * g / ($L(h) + $L)", sqrt, ctx.value("epsilon", opt.eps()));
      }
      case RMSPROP -> {
        mb.addStatement("$T h = $L * meanSquares[i] + $L * g * g", ctx.elem(), ctx.value("alpha", opt.alpha()), ctx.value("oneMinusAlpha", 1 - opt.alpha()));
        mb.addStatement("meanSquares[i] = $L", keepNormal("h"));
        mb.addStatement("params[i] -= rate * g / ($L(h) + $L)", sqrt, ctx.value("epsilon", opt.eps()));
      }
      case ADAM, ADAMW -> {
        mb.addStatement("$T m = $L * moment1[i] + $L * g", ctx.elem(), ctx.value("beta1" + elemSuffix(), opt.beta1()), ctx.value("oneMinusBeta1", 1 - opt.beta1()));
        mb.addStatement("$T v = $L * moment2[i] + $L * g * g", ctx.elem(), ctx.value("beta2" + elemSuffix(), opt.beta2()), ctx.value("oneMinusBeta2", 1 - opt.beta2()));
        mb.addStatement("m = $L", keepNormal("m"));
        mb.addStatement("v = $L", keepNormal("v"));
        mb.addStatement("moment1[i] = m");
        mb.addStatement("moment2[i] = v");
        String p = opt.kind() == Model.Optimizer.Kind.ADAMW ? "params[i] * decay" : "params[i]";
        mb.addStatement("params[i] = $L - stepSize * m / ($L(v) * correction2 + $L)", p, sqrt, ctx.value("epsilon", opt.eps()));
      }
    }
    mb.endControlFlow();
    return mb.build();
  }

  /** Beside the powers' double beta1 and beta2, the float32 copies the update multiplies with. */
  private String elemSuffix() {
    return ctx.f32() ? "Float" : "";
  }

  /** Whether the rule squares the gradient. */
  private boolean squares() {
    return opt.kind() != Model.Optimizer.Kind.SGD;
  }

  /** The resolution kept for tiny gradients: (1 − β2)·quantum² = 0.001·2^-114 (2^-1010 in float64) is still normal. */
  private double gradientQuantum() {
    return ctx.f32() ? Math.scalb(1.0, -57) : Math.scalb(1.0, -505);
  }

  /** Whether the rule keeps state that shrinks geometrically when the gradient is zero. */
  private boolean decays() {
    return switch (opt.kind()) {
      case SGD -> opt.momentum() != 0;
      case ADAGRAD -> false;
      case RMSPROP, ADAM, ADAMW -> true;
    };
  }

  /**
   * The resolution kept for tiny state, far enough above the smallest normal number (2^-126, 2^-1022) that
   * β·quantum is normal too: a quantum at the smallest normal number would round 0.9·quantum back up to it.
   */
  private double quantum() {
    return ctx.f32() ? Math.scalb(1.0, -100) : Math.scalb(1.0, -1000);
  }

  /** The quantum times 2^(mantissa bits): adding it to x rounds x to a multiple of the quantum. */
  private double tiny() {
    return Math.scalb(quantum(), ctx.f32() ? 23 : 52);
  }

  /** {@code x} with values below {@link #tiny} rounded to a multiple of {@link #quantum}. */
  private String keepNormal(String x) {
    String t = ctx.lit(tiny());
    return "(" + x + " + " + t + ") - " + t;
  }
}
