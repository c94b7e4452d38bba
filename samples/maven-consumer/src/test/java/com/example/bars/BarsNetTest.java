package com.example.bars;

import static org.junit.jupiter.api.Assertions.*;

import dev.nnet.runtime.DataLoader;
import dev.nnet.runtime.Metrics;
import dev.nnet.runtime.Trainer;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trains the CNN generated at build time, then predicts with its generated inference-only class. */
class BarsNetTest {

  /** An 8 × 8 picture with one bar, horizontal (class 0) or vertical (class 1), at a random row or column, on noise. */
  static float[] picture(Random r, int label) {
    float[] p = new float[64];
    for (int i = 0; i < 64; i++) p[i] = 0.2f * r.nextFloat();
    int at = r.nextInt(8), from = r.nextInt(3), to = 5 + r.nextInt(4);
    for (int t = from; t < to; t++) p[label == 0 ? at * 8 + t : t * 8 + at] = 0.8f + 0.2f * r.nextFloat();
    return p;
  }

  /** Writes {@code rows} pictures as dir/bars.csv (64 pixel columns, then the label), alternating the classes. */
  static void writeBars(Path dir, Random r, int rows) throws java.io.IOException {
    StringBuilder csv = new StringBuilder();
    for (int i = 0; i < 64; i++) csv.append('p').append(i).append(',');
    csv.append("label\n");
    for (int n = 0; n < rows; n++) {
      int label = n % 2;
      for (float v : picture(r, label)) csv.append(v).append(',');
      csv.append(label).append('\n');
    }
    Files.writeString(dir.resolve("bars.csv"), csv);
  }

  @Test
  void trainsAndPredicts(@TempDir Path dir) throws Exception {
    Random r = new Random(1);
    writeBars(dir, r, 400);

    Trainer trainer = new Trainer(new BarsNet()).dataDirectory(dir);
    DataLoader.Splits data = DataLoader.load(trainer.spec(), dir);
    trainer.fit(data.train(), null, null);
    Metrics m = trainer.evaluate(data.train());
    assertTrue(m.accuracy() >= 0.95, "accuracy " + m.accuracy());

    Path ckpt = dir.resolve("bars.ckpt");
    trainer.save(ckpt);
    BarsNetPredictor predictor = BarsNetPredictor.load(new ByteArrayInputStream(Files.readAllBytes(ckpt)));
    int right = 0;
    for (int n = 0; n < 100; n++) {
      int label = n % 2;
      float[] x = picture(r, label);
      float[] want = trainer.predict(x), got = predictor.predict(x);
      for (int k = 0; k < 2; k++) assertEquals(want[k], got[k], 1e-5f, "the predictor (batchnorm folded) computes what the trainer evaluates");
      if ((got[1] > got[0] ? 1 : 0) == label) right++;
    }
    assertTrue(right >= 95, right + " of 100 new pictures right");
  }
}
