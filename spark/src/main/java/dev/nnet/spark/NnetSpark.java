package dev.nnet.spark;

import dev.nnet.NnetCompiler;
import dev.nnet.compile.JaninoCompiler;
import dev.nnet.emit.PredictorEmitter;
import dev.nnet.runtime.NnetException;
import dev.nnet.syntax.SourceFile;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Batch scoring of a DataFrame with a trained network: the JDK-only predictor ({@code nnet generate
 * --inference}) is compiled once on the driver, its class files and the checkpoint are broadcast, and each
 * partition defines the class and loads one predictor, so executors run no compiler. Rows keep their columns
 * and gain {@code prediction} (the class for a classifier, else the first value) and {@code probability} (the
 * class probabilities, or the values), as {@code nnet predict} prints them.
 */
public final class NnetSpark {
  private NnetSpark() {}

  /**
   * Scores {@code data}: {@code featureColumns} (numeric, in the training data's order) are each row's raw
   * features; {@code nnetFile} is the .nnet file the checkpoint was trained from.
   */
  public static Dataset<Row> predict(Dataset<Row> data, Path nnetFile, Path checkpoint, String... featureColumns) {
    NnetCompiler.Generated g;
    try {
      g = NnetCompiler.defaults().generate(SourceFile.read(nnetFile));
    } catch (IOException e) {
      throw new NnetException("cannot read " + nnetFile + " (" + e.getMessage() + ")", null);
    }
    int inputs = g.model().rawInputSize();
    if (featureColumns.length != inputs) {
      throw new NnetException(featureColumns.length + " feature columns, the network takes " + inputs, "name the columns the training data had, in its order");
    }
    String pkg = "dev.nnet.spark.generated";
    String className = pkg + "." + g.model().name() + "Predictor";
    Map<String, byte[]> classes = JaninoCompiler.classFiles(PredictorEmitter.emit(g.model(), g.layout(), pkg).toString());
    byte[] weights;
    try {
      weights = Files.readAllBytes(checkpoint);
    } catch (IOException e) {
      throw new NnetException("cannot read " + checkpoint + " (" + e.getMessage() + ")", "train first: nnet train FILE");
    }
    Model m = new Model(className, classes, weights, g.model().loss().kind() == dev.nnet.analysis.Model.Loss.Kind.SOFTMAX_CROSS_ENTROPY);
    m.predictor(); // the checkpoint must fit: fail here, with nnet's message, not inside a task
    Broadcast<Model> model = JavaSparkContext.fromSparkContext(data.sparkSession().sparkContext()).broadcast(m);
    StructType schema = data.schema().add("prediction", DataTypes.DoubleType, false)
        .add("probability", DataTypes.createArrayType(DataTypes.DoubleType, false), false);
    int[] index = new int[featureColumns.length];
    for (int j = 0; j < index.length; j++) index[j] = data.schema().fieldIndex(featureColumns[j]);
    return data.mapPartitions((MapPartitionsFunction<Row, Row>) rows -> score(model.value(), index, rows), Encoders.row(schema));
  }

  private static Iterator<Row> score(Model m, int[] index, Iterator<Row> rows) {
    Scorer p = m.predictor(); // one per partition
    float[] x = new float[index.length], y = new float[p.outputs];
    List<Row> out = new ArrayList<>();
    while (rows.hasNext()) {
      Row r = rows.next();
      for (int j = 0; j < index.length; j++) x[j] = ((Number) r.get(index[j])).floatValue();
      p.predict(x, y);
      List<Double> probs = new ArrayList<>(y.length);
      int best = 0;
      for (int k = 0; k < y.length; k++) {
        probs.add((double) y[k]);
        if (y[k] > y[best]) best = k;
      }
      Object[] values = new Object[r.length() + 2];
      for (int i = 0; i < r.length(); i++) values[i] = r.get(i);
      values[r.length()] = m.classifier ? (double) best : (double) y[0];
      values[r.length() + 1] = scala.jdk.javaapi.CollectionConverters.asScala(probs).toSeq();
      out.add(RowFactory.create(values));
    }
    return out.iterator();
  }

  /** The predictor's class files and the checkpoint, shipped to executors. */
  static final class Model implements Serializable {
    private static final long serialVersionUID = 1;
    final String className;
    final Map<String, byte[]> classes;
    final byte[] weights;
    final boolean classifier;

    Model(String className, Map<String, byte[]> classes, byte[] weights, boolean classifier) {
      this.className = className;
      this.classes = new java.util.HashMap<>(classes);
      this.weights = weights;
      this.classifier = classifier;
    }

    /** Defines the predictor class in a loader of its own and loads the weights into a new instance. */
    Scorer predictor() {
      try {
        Class<?> type = JaninoCompiler.define(className, classes, NnetSpark.class.getClassLoader());
        Object p = type.getMethod("load", java.io.InputStream.class).invoke(null, new ByteArrayInputStream(weights));
        return new Scorer(p, type.getMethod("predict", float[].class, float[].class), type.getField("OUTPUTS").getInt(null));
      } catch (java.lang.reflect.InvocationTargetException e) {
        throw new NnetException("the checkpoint does not load into the predictor: " + e.getCause().getMessage(), "use the checkpoint nnet train wrote for this file");
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** One predictor instance and its predict(features, dst). */
  static final class Scorer {
    final Object predictor;
    final java.lang.reflect.Method predict;
    final int outputs;

    Scorer(Object predictor, java.lang.reflect.Method predict, int outputs) {
      this.predictor = predictor;
      this.predict = predict;
      this.outputs = outputs;
    }

    void predict(float[] x, float[] y) {
      try {
        predict.invoke(predictor, x, y);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
