package dev.nnet.emit;

import com.squareup.javapoet.FieldSpec;
import com.squareup.javapoet.MethodSpec;
import com.squareup.javapoet.TypeName;
import com.squareup.javapoet.TypeSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.lang.model.element.Modifier;

/**
 * The hyperparameters a search's trials vary without changing a shape (dropout rates, the optimizer's constants,
 * regularization strengths), emitted as fields the constructor sets from a {@code double[]} instead of as
 * literals. Trials that differ only in these then generate the same source, and one compiled class serves them
 * all. Each value is registered by the emitter that would have written the literal, under a field name, in
 * emission order; {@link #values()} is what this model's trainer is constructed with. The field holds exactly
 * the number the literal would have ({@code (float) v} for a float literal), so a trainer trains the same either way.
 */
final class Arguments {
  private record Entry(String field, TypeName type, double value) {}

  private final Map<String, Entry> entries = new LinkedHashMap<>();

  /** Registers {@code value} as the field {@code field} of {@code type} (float, double or int); returns the field's name. */
  String add(String field, TypeName type, double value) {
    Entry e = entries.get(field);
    if (e == null) {
      entries.put(field, new Entry(field, type, value));
    } else if (Double.doubleToLongBits(e.value()) != Double.doubleToLongBits(value) || !e.type().equals(type)) {
      throw new IllegalStateException("argument " + field + " registered as both " + e.value() + " and " + value);
    }
    return field;
  }

  /** The values to construct the trainer with, in the order of the constructor's assignments. */
  double[] values() {
    double[] v = new double[entries.size()];
    int i = 0;
    for (Entry e : entries.values()) v[i++] = e.value();
    return v;
  }

  void declare(TypeSpec.Builder cls) {
    for (Entry e : entries.values()) {
      cls.addField(FieldSpec.builder(e.type(), e.field(), Modifier.PRIVATE)
          .addJavadoc("A hyperparameter given to the constructor (a search's trials share this class).\n").build());
    }
  }

  /** The constructor's assignments from its {@code values} parameter. */
  void assign(MethodSpec.Builder constructor) {
    constructor.beginControlFlow("if (values.length != $L)", entries.size())
        .addStatement("throw new $T($S + values.length)", IllegalArgumentException.class, "this trainer takes " + entries.size() + " hyperparameters, not ")
        .endControlFlow();
    int i = 0;
    for (Entry e : entries.values()) {
      if (e.type().equals(TypeName.DOUBLE)) constructor.addStatement("$L = values[$L]", e.field(), i++);
      else constructor.addStatement("$L = ($T) values[$L]", e.field(), e.type(), i++);
    }
  }
}
