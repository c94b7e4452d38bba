package com.example.flowers;

import static org.junit.jupiter.api.Assertions.*;

import dev.nnet.runtime.DataLoader;
import dev.nnet.runtime.Metrics;
import dev.nnet.runtime.Trainer;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trains the network generated at build time, then predicts with the generated inference-only class. */
class IrisNetTest {

  @Test
  void janinoIsNotOnTheClassPath() {
    assertThrows(ClassNotFoundException.class, () -> Class.forName("org.codehaus.janino.SimpleCompiler"));
    assertThrows(ClassNotFoundException.class, () -> Class.forName("dev.nnet.NnetCompiler"));
  }

  @Test
  void trainsAndPredicts(@TempDir Path dir) throws Exception {
    Trainer trainer = new Trainer(new IrisNet()).dataDirectory(Path.of("src/test/resources"));
    DataLoader.Splits data = DataLoader.load(trainer.spec(), Path.of("src/test/resources"));
    trainer.fit(data.train(), null, null);
    Metrics m = trainer.evaluate(data.train());
    assertTrue(m.accuracy() >= 0.95, "accuracy " + m.accuracy());

    Path ckpt = dir.resolve("iris.ckpt");
    trainer.save(ckpt);
    IrisNetPredictor predictor = IrisNetPredictor.load(new ByteArrayInputStream(Files.readAllBytes(ckpt)));
    float[][] flowers = {{5.1f, 3.5f, 1.4f, 0.2f}, {6.0f, 2.9f, 4.5f, 1.5f}, {6.7f, 3.0f, 5.2f, 2.3f}};
    for (float[] f : flowers) {
      float[] want = trainer.predict(f), got = predictor.predict(f);
      // the trainer's Vector API kernels add in another order than the predictor's plain loops
      for (int k = 0; k < want.length; k++) assertEquals(want[k], got[k], 1e-6f * Math.max(1, Math.abs(want[k])), "the predictor computes what the trainer evaluates");
    }
    assertEquals(0, argmax(predictor.predict(flowers[0])), "setosa");
    assertEquals(2, argmax(predictor.predict(flowers[2])), "virginica");
  }

  static int argmax(float[] p) {
    int best = 0;
    for (int i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
    return best;
  }
}
