package dev.nnet.emit;

import com.squareup.javapoet.FieldSpec;
import com.squareup.javapoet.MethodSpec;
import com.squareup.javapoet.TypeSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.lang.model.element.Modifier;

/**
 * The work a trainer shares among threads: methods taking {@code (int part, int parts)} that each compute
 * a disjoint part of their outputs. Each gets a constant {@code TASK_…}; a call site says
 * {@code split(TASK_…)}, which runs every part on the team ({@link RuntimeTypes#TEAM}) or, without a team,
 * the one part on the calling thread.
 */
final class Tasks {
  /**
   * Products smaller than this many multiply-adds stay on the calling thread. The study put the break-even
   * near 100k; measured here, M3's 400k-multiply-add products ran 30% slower shared between two cores (the
   * hand-off and the wait for the slower part cost more than half of ~3 µs saved), so a product must be
   * worth ~10 µs of one core to be shared.
   */
  static final long MIN_MACS = 1_000_000;

  /** Updates and weight copies smaller than this many elements stay on the calling thread. */
  static final int MIN_ELEMENTS = 65_536;

  private final List<String> methods = new ArrayList<>();

  /** The statement running {@code method(part, parts)} on the team; registers the task once. */
  String call(String method) {
    if (!methods.contains(method)) methods.add(method);
    return "split(" + constant(method) + ")";
  }

  private static String constant(String method) {
    return "TASK_" + method.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
  }

  /** The task constants, the team field, {@code setThreads}, {@code split} and {@code runPart}. */
  void declare(TypeSpec.Builder cls, boolean twins) {
    for (int i = 0; i < methods.size(); i++) {
      cls.addField(FieldSpec.builder(int.class, constant(methods.get(i)), Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
          .initializer("$L", i).build());
    }
    cls.addField(FieldSpec.builder(RuntimeTypes.TEAM, "team", Modifier.PRIVATE)
        .addJavadoc("The threads sharing the large products of a step; null runs everything on the caller.\n").build());
    MethodSpec.Builder set = MethodSpec.methodBuilder("setThreads").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
        .addParameter(int.class, "threads");
    if (methods.isEmpty()) set.addComment("every product is too small to share: all runs on the caller").addStatement("team = null");
    else set.addStatement("team = threads > 1 ? $T.shared(threads) : null", RuntimeTypes.TEAM);
    cls.addMethod(set.build());
    cls.addMethod(MethodSpec.methodBuilder("threads").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC).returns(int.class)
        .addStatement("return team == null ? 1 : team.size()").build());
    MethodSpec.Builder split = MethodSpec.methodBuilder("split").addModifiers(Modifier.PRIVATE).addParameter(int.class, "task")
        .addJavadoc("Runs every part of {@code task}: on the team's threads, or all as one part here.\n");
    if (twins) {
      split.addComment("on the scalar twins, one thread: the other cores compile the tiles and warm them up")
          .addStatement("if (team == null || !$L) runPart(task, 0, 1)", Gemm.VECTOR_TILES);
    } else {
      split.addStatement("if (team == null) runPart(task, 0, 1)");
    }
    cls.addMethod(split.addStatement("else team.run(this, task)").build());
    MethodSpec.Builder run = MethodSpec.methodBuilder("runPart").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
        .addParameter(int.class, "task").addParameter(int.class, "part").addParameter(int.class, "parts");
    if (methods.size() <= SWITCH_CASES) {
      cls.addMethod(dispatch(run, 0, methods.size()).build());
      return;
    }
    // many tasks (a deep network of wide layers): a switch of SWITCH_CASES cases per group keeps each method small
    for (int g = 0; g * SWITCH_CASES < methods.size(); g++) {
      String group = "runPartGroup" + (g + 1);
      run.addStatement("if (task < $L) { $L(task, part, parts); return; }", (g + 1) * SWITCH_CASES, group);
      cls.addMethod(dispatch(MethodSpec.methodBuilder(group).addModifiers(Modifier.PRIVATE)
          .addParameter(int.class, "task").addParameter(int.class, "part").addParameter(int.class, "parts"),
          g * SWITCH_CASES, Math.min(methods.size(), (g + 1) * SWITCH_CASES)).build());
    }
    run.addStatement("throw new $T($S + task)", IllegalArgumentException.class, "no task ");
    cls.addMethod(run.build());
  }

  /** The cases of one switch: one call each. */
  static final int SWITCH_CASES = 100;

  private MethodSpec.Builder dispatch(MethodSpec.Builder mb, int from, int to) {
    mb.beginControlFlow("switch (task)");
    for (String m : methods.subList(from, to)) mb.addStatement("case $L: $L(part, parts); return", constant(m), m);
    return mb.addStatement("default: throw new $T($S + task)", IllegalArgumentException.class, "no task ").endControlFlow();
  }
}
