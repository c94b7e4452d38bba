package dev.nnet.emit;

import com.squareup.javapoet.CodeBlock;
import com.squareup.javapoet.MethodSpec;
import com.squareup.javapoet.ParameterSpec;
import com.squareup.javapoet.TypeName;
import java.util.ArrayList;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * Keeps generated methods small however deep the network: a body that grows with the number of layers
 * (forward, backward, initialize, the update, the field allocations) is cut into runs of statements, each
 * run a method of its own called in order, as Spark's code generator splits long expressions. HotSpot
 * never JIT-compiles a method over 8,000 bytes of bytecode (HugeMethodLimit), and the class file refuses
 * one over 64 KB; the runs aim at {@link #BUDGET}.
 */
final class Split {
  private Split() {}

  /** The estimated bytecode bytes of one run. */
  static final int BUDGET = 1500;

  /**
   * An over-estimate of a statement's bytecode: its Java text is at least two characters per byte for what
   * the emitters write (a call {@code relu1Forward();} is 16 characters and 4 bytes; an assignment of a
   * literal-indexed element about 3 characters a byte).
   */
  static int estimate(CodeBlock statement) {
    return statement.toString().length() / 2 + 4;
  }

  /**
   * Adds {@code statements} to {@code body}, directly when they fit the budget, else as calls of methods
   * {@code name + "Part1"}, {@code name + "Part2"}, … (taking and passing on {@code params}; static when
   * {@code isStatic}), each within the budget. Many parts are grouped again the same way. Returns the
   * methods to add to the class.
   */
  static List<MethodSpec> into(MethodSpec.Builder body, String name, boolean isStatic, List<ParameterSpec> params, List<CodeBlock> statements) {
    return into(body, name, isStatic, params, statements, TypeName.VOID);
  }

  /**
   * As {@link #into(MethodSpec.Builder, String, boolean, List, List)}, for statements that may return a
   * value of type {@code returns} (non-void): each part returns null when none of its statements returned, and
   * the caller returns what a part returned, if anything. {@code body} must end with its own return.
   */
  static List<MethodSpec> into(MethodSpec.Builder body, String name, boolean isStatic, List<ParameterSpec> params, List<CodeBlock> statements,
                               TypeName returns) {
    List<MethodSpec> methods = new ArrayList<>();
    List<CodeBlock> calls = statements;
    String prefix = name + "Part";
    while (total(calls) > BUDGET) {
      calls = parts(methods, prefix, isStatic, params, calls, returns);
      prefix = prefix + "Group";
    }
    for (CodeBlock c : calls) body.addCode(c);
    return methods;
  }

  private static int total(List<CodeBlock> statements) {
    int n = 0;
    for (CodeBlock c : statements) n += estimate(c);
    return n;
  }

  /** One level of splitting: the statements in methods of at most the budget each; returns the calls of those methods. */
  private static List<CodeBlock> parts(List<MethodSpec> methods, String prefix, boolean isStatic, List<ParameterSpec> params,
                                       List<CodeBlock> statements, TypeName returns) {
    StringBuilder args = new StringBuilder();
    for (ParameterSpec p : params) args.append(args.length() > 0 ? ", " : "").append(p.name);
    boolean value = !returns.equals(TypeName.VOID);
    List<CodeBlock> calls = new ArrayList<>();
    List<CodeBlock> run = new ArrayList<>();
    int bytes = 0;
    for (int i = 0; i <= statements.size(); i++) {
      CodeBlock next = i < statements.size() ? statements.get(i) : null;
      if (!run.isEmpty() && (next == null || bytes + estimate(next) > BUDGET)) {
        String method = prefix + (calls.size() + 1);
        MethodSpec.Builder mb = MethodSpec.methodBuilder(method).addModifiers(Modifier.PRIVATE).addParameters(params).returns(returns);
        if (isStatic) mb.addModifiers(Modifier.STATIC);
        for (CodeBlock c : run) mb.addCode(c);
        if (value) mb.addStatement("return null");
        methods.add(mb.build());
        String found = method + "Found";
        calls.add(value
            ? CodeBlock.builder().addStatement("$T $L = $L($L)", returns, found, method, args).addStatement("if ($L != null) return $L", found, found).build()
            : CodeBlock.builder().addStatement("$L($L)", method, args).build());
        run.clear();
        bytes = 0;
      }
      if (next != null) {
        run.add(next);
        bytes += estimate(next);
      }
    }
    return calls;
  }

  /** The code one emitter writes into a method, taken apart from that method: write it into a scratch builder. */
  static CodeBlock capture(java.util.function.Consumer<MethodSpec.Builder> writer) {
    MethodSpec.Builder scratch = MethodSpec.methodBuilder("scratch");
    writer.accept(scratch);
    return scratch.build().code;
  }

  /**
   * Moves every instance field's initializer ({@code new float[n]}) into statements {@code constructor} runs,
   * followed by {@code more}, split by size: a deep network's allocations would otherwise all land in the
   * constructor's bytecode, beyond the class file's 64 KB per method. The fields stay private and are
   * assigned once; only their {@code final} goes (C2 does not fold instance fields either way).
   */
  static com.squareup.javapoet.TypeSpec allocateInConstructor(com.squareup.javapoet.TypeSpec type, MethodSpec.Builder constructor,
                                                              List<CodeBlock> more) {
    com.squareup.javapoet.TypeSpec.Builder b = type.toBuilder();
    b.fieldSpecs.clear();
    List<CodeBlock> allocations = new ArrayList<>();
    for (com.squareup.javapoet.FieldSpec f : type.fieldSpecs) {
      if (f.hasModifier(Modifier.STATIC) || f.initializer.isEmpty()) {
        b.addField(f);
        continue;
      }
      java.util.Set<Modifier> modifiers = new java.util.LinkedHashSet<>(f.modifiers);
      modifiers.remove(Modifier.FINAL);
      b.addField(com.squareup.javapoet.FieldSpec.builder(f.type, f.name, modifiers.toArray(new Modifier[0]))
          .addJavadoc(f.javadoc).addAnnotations(f.annotations).build());
      allocations.add(CodeBlock.builder().addStatement("$L = $L", f.name, f.initializer).build());
    }
    allocations.addAll(more);
    List<MethodSpec> parts = into(constructor, "allocate", false, List.of(), allocations);
    b.methodSpecs.add(0, constructor.build()); // the constructor first, where a reader looks for it
    b.methodSpecs.addAll(1, parts);
    return b.build();
  }
}
