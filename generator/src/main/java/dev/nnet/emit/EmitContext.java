package dev.nnet.emit;

import com.squareup.javapoet.ArrayTypeName;
import com.squareup.javapoet.ClassName;
import com.squareup.javapoet.TypeName;
import dev.nnet.analysis.Model;
import dev.nnet.analysis.Op;
import dev.nnet.layout.Layout;
import dev.nnet.runtime.Precision;

/**
 * What every emitter needs: the model, its layout, the number type, and whether (and how wide) the
 * Vector API path is. Literals are formatted here so every emitter writes {@code 0.5f} or {@code 0.5} alike.
 *
 * @param lanes     vector length in elements; 0 for the plain-Java path
 * @param inference forward pass only, evaluation mode, no runtime library (the predictor)
 * @param tasks     the work shared among threads, registered by the emitters as they emit
 * @param arguments the hyperparameters emitted as constructor arguments (a search's class), or null: literals
 */
record EmitContext(Model model, Layout layout, int lanes, boolean inference, Tasks tasks, Arguments arguments) {

  EmitContext(Model model, Layout layout, int lanes, boolean inference) {
    this(model, layout, lanes, inference, new Tasks(), null);
  }

  EmitContext(Model model, Layout layout, int lanes) {
    this(model, layout, lanes, false);
  }

  /** Whether this trainer shares work among threads: the Vector API trainer does; the plain path and the predictor do not. */
  boolean threaded() {
    return vector() && !inference;
  }

  static final ClassName FLOAT_VECTOR = ClassName.get("jdk.incubator.vector", "FloatVector");
  static final ClassName DOUBLE_VECTOR = ClassName.get("jdk.incubator.vector", "DoubleVector");
  static final ClassName SPECIES = ClassName.get("jdk.incubator.vector", "VectorSpecies");

  boolean vector() {
    return lanes > 0;
  }

  /** The 16-bit format of the products' operands (mixed precision): a training trainer's vector path only. */
  dev.nnet.analysis.Model.Mixed mixed() {
    return vector() && !inference && f32() ? model.mixed() : dev.nnet.analysis.Model.Mixed.NONE;
  }

  boolean half() {
    return mixed() != dev.nnet.analysis.Model.Mixed.NONE;
  }

  /** The vector width in bits (0 on the plain path). */
  int vectorBits() {
    return lanes * (f32() ? 32 : 64);
  }

  boolean f32() {
    return model.precision() == Precision.FLOAT32;
  }

  int batch() {
    return model.batchSize();
  }

  /** float or double. */
  TypeName elem() {
    return f32() ? TypeName.FLOAT : TypeName.DOUBLE;
  }

  ArrayTypeName array() {
    return ArrayTypeName.of(elem());
  }

  ClassName vectorClass() {
    return f32() ? FLOAT_VECTOR : DOUBLE_VECTOR;
  }

  /** A literal of the element type, exact for the value it was computed as. */
  String lit(double v) {
    if (f32()) {
      float f = (float) v;
      return (f == Math.rint(f) && Math.abs(f) < 1e7 ? Integer.toString((int) f) + ".0" : Float.toString(f)) + "f";
    }
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) + ".0" : Double.toString(v);
  }

  /**
   * A hyperparameter of the element type: its literal, or, when hyperparameters are constructor arguments, the
   * field {@code field} holding it. {@code field} names what it is (dropout1Scale, beta1).
   */
  String value(String field, double v) {
    return arguments == null ? lit(v) : arguments.add(field, elem(), f32() ? (float) v : v);
  }

  /** A hyperparameter computed in double ({@code Math.pow(0.9, step)}): as {@link #value}. */
  String doubleValue(String field, double v) {
    return arguments == null ? String.valueOf(v) : arguments.add(field, TypeName.DOUBLE, v);
  }

  /** An int hyperparameter (a dropout threshold): as {@link #value}. */
  String intValue(String field, int v) {
    return arguments == null ? Integer.toString(v) : arguments.add(field, TypeName.INT, v);
  }

  /** A hyperparameter as a comment shows it: the number, or the field a search's class reads it from. */
  String shown(String field, double v) {
    return arguments == null ? String.valueOf(v) : field;
  }

  boolean asArguments() {
    return arguments != null;
  }

  /** {@code (float) } before an expression computed in double, or nothing in float64. */
  String narrow() {
    return f32() ? "(float) " : "";
  }

  /** The .nnet line, made safe to stand inside a Java comment. */
  String sourceLine(int line) {
    return SafeText.comment(model.source().name() + ":" + line + ": " + model.source().line(line).strip());
  }

  /** Where {@code op} was written, file:line:column, and the text of that line: for the comments of its methods. */
  String origin(Op op) {
    dev.nnet.syntax.Span s = model.origins().get(op.name());
    if (s == null || !s.known()) return sourceLine(op.line());
    return SafeText.comment(model.source().name() + ":" + s.line() + ":" + s.column() + ": " + model.source().line(s.line()).strip());
  }
}
