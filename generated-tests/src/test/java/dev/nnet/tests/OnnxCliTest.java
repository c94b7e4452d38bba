package dev.nnet.tests;

import static dev.nnet.tests.CliTest.nnet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** nnet export from the command line, its model run by ONNX Runtime beside nnet predict on the same rows. */
class OnnxCliTest {
  @TempDir
  Path dir;

  @Test
  void exportedIrisModelPredictsWhatNnetPredicts() throws Exception {
    String iris = CliTest.iris();
    Path ckpt = dir.resolve("iris.ckpt"), onnx = dir.resolve("iris.onnx");
    assertEquals(0, nnet("train", iris, "--epochs", "20", "-o", ckpt.toString()).code());
    CliTest.Run export = nnet("export", iris, "--weights", ckpt.toString(), "-o", onnx.toString());
    assertEquals(0, export.code(), export.err());
    assertTrue(export.out().contains("input 'input' [batch, 4], outputs 'probabilities' [batch, 3] and 'class' [batch]"), export.out());

    // every flower of the data set, raw, as nnet predict reads them
    List<String> lines = Files.readAllLines(Samples.sample("data/iris.csv"));
    StringBuilder csv = new StringBuilder();
    int rows = 0;
    for (String l : lines.subList(1, lines.size())) {
      if (l.isBlank()) continue;
      csv.append(l.substring(0, l.lastIndexOf(','))).append('\n');
      rows++;
    }
    Path input = dir.resolve("flowers.csv");
    Files.writeString(input, csv);
    CliTest.Run predict = nnet("predict", iris, "--weights", ckpt.toString(), "--input", input.toString(), "--json");
    assertEquals(0, predict.code(), predict.err());
    String[] printed = predict.out().strip().split("\n");

    float[] x = new float[rows * 4];
    String[] csvRows = csv.toString().split("\n");
    for (int r = 0; r < rows; r++) {
      String[] cells = csvRows[r].split(",");
      for (int j = 0; j < 4; j++) x[r * 4 + j] = Float.parseFloat(cells[j]);
    }
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession s = env.createSession(onnx.toString(), new OrtSession.SessionOptions());
         OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {rows, 4});
         OrtSession.Result out = s.run(Map.of("input", t))) {
      float[][] p = (float[][]) out.get("probabilities").orElseThrow().getValue();
      long[] cls = (long[]) out.get("class").orElseThrow().getValue();
      assertEquals("setosa,versicolor,virginica", s.getMetadata().getCustomMetadata().get("nnet.classes"));
      for (int r = 0; r < rows; r++) {
        String row = printed[r];
        assertTrue(row.startsWith("{\"class\":" + cls[r] + ","), "row " + r + ": ONNX Runtime says class " + cls[r] + ", nnet predict " + row);
        String[] probs = row.substring(row.indexOf("\"probabilities\":[") + 17, row.lastIndexOf(']')).split(",");
        for (int j = 0; j < 3; j++) {
          assertEquals(Double.parseDouble(probs[j]), p[r][j], 1e-5, "row " + r + " class " + j + " (nnet predict prints 6 digits)");
        }
      }
    }
  }

  @Test
  void exportWithoutUsableWeightsIsAPlainError() {
    CliTest.Run r = nnet("export", CliTest.iris(), "--weights", dir.resolve("none.ckpt").toString(), "-o", dir.resolve("x.onnx").toString());
    assertEquals(1, r.code());
    assertTrue(r.err().startsWith("error: ") && r.err().contains("none.ckpt"), r.err());
    assertTrue(Files.notExists(dir.resolve("x.onnx")), "nothing written");
  }
}
