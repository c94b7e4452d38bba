package dev.nnet.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nnet.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** NnetSpark.predict on local[2]: the classes and probabilities nnet predict prints, for every Iris flower. */
class NnetSparkPredictTest {
  @TempDir
  Path dir;

  @Test
  void scoresADataFrameAsNnetPredictDoes() throws Exception {
    Path repo = Path.of(System.getProperty("nnet.repo", "..")).toAbsolutePath().normalize();
    Path iris = repo.resolve("samples/iris.nnet"), ckpt = dir.resolve("iris.ckpt"), csv = repo.resolve("samples/data/iris.csv");
    StringWriter err = new StringWriter();
    assertEquals(0, Main.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), "train", iris.toString(), "--epochs", "20", "-o", ckpt.toString()), err.toString());
    List<String> lines = Files.readAllLines(csv);
    StringBuilder features = new StringBuilder();
    for (String l : lines.subList(1, lines.size())) if (!l.isBlank()) features.append(l, 0, l.lastIndexOf(',')).append('\n');
    Path rows = dir.resolve("rows.csv");
    Files.writeString(rows, features);
    StringWriter printed = new StringWriter();
    assertEquals(0, Main.run(new PrintWriter(printed, true), new PrintWriter(new StringWriter(), true), "predict", iris.toString(), "--weights", ckpt.toString(),
        "--input", rows.toString(), "--json"));
    String[] expected = printed.toString().strip().split("\n");
    Map<String, String> byFeatures = new HashMap<>();
    String[] featureLines = features.toString().split("\n");
    for (int i = 0; i < featureLines.length; i++) byFeatures.put(key(featureLines[i].split(",")), expected[i]);

    SparkSession spark = SparkSession.builder().master("local[2]").appName("nnet predict test").config("spark.ui.enabled", "false").getOrCreate();
    try {
      Dataset<Row> df = spark.read().option("header", "true").option("inferSchema", "true").csv(csv.toString()).repartition(2);
      List<Row> scored = NnetSpark.predict(df, iris, ckpt, "sepal_length", "sepal_width", "petal_length", "petal_width").collectAsList();
      assertEquals(expected.length, scored.size());
      for (Row r : scored) {
        String[] f = new String[4];
        for (int j = 0; j < 4; j++) f[j] = Double.toString(((Number) r.get(j)).doubleValue());
        String line = byFeatures.get(key(f)); // rows may come back in another order: matched by their features
        int cls = Integer.parseInt(line.replaceAll("\\{\"class\":(\\d+),.*", "$1"));
        assertEquals(cls, (int) r.getDouble(r.fieldIndex("prediction")), line);
        String[] p = line.substring(line.indexOf("\"probabilities\":[") + 17, line.lastIndexOf(']')).split(",");
        List<Double> probs = r.getList(r.fieldIndex("probability"));
        for (int k = 0; k < 3; k++) assertEquals(Double.parseDouble(p[k]), probs.get(k), 1e-5, line);
        assertEquals(r.getString(r.fieldIndex("species")), r.getString(4), "the row keeps its columns");
      }
    } finally {
      spark.stop();
    }
  }

  static String key(String[] f) {
    StringBuilder b = new StringBuilder();
    for (String s : f) b.append(Double.parseDouble(s.trim())).append('|');
    return b.toString();
  }
}
