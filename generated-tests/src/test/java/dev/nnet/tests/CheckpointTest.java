package dev.nnet.tests;

import static org.junit.jupiter.api.Assertions.*;

import dev.nnet.NnetCompiler;
import dev.nnet.runtime.*;
import dev.nnet.syntax.SourceFile;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints: exact round trips, resumable training, and clear errors for every way a file can be wrong. */
class CheckpointTest {
  @TempDir
  Path dir;

  NnetCompiler.Compiled iris;
  DataLoader.Splits data;

  @BeforeEach
  void compile() {
    iris = NnetCompiler.defaults().compile(Samples.read(Samples.sample("iris.nnet")));
    data = DataLoader.load(iris.newTrainer().spec(), iris.dataDirectory());
  }

  private Trainer trained(int epochs) {
    Trainer t = iris.newTrainer().epochs(epochs);
    t.fit(data.train(), null, null);
    return t;
  }

  @Test
  void roundTripPredictsExactlyTheSame() {
    Trainer t = trained(5);
    Path ckpt = dir.resolve("iris.ckpt");
    t.save(ckpt);
    Trainer loaded = iris.newTrainer().load(ckpt);
    float[][] x = {{5.1f, 3.5f, 1.4f, 0.2f}, {6.7f, 3.0f, 5.2f, 2.3f}};
    assertArrayEquals(t.predict(x)[0], loaded.predict(x)[0]);
    assertArrayEquals(t.predict(x)[1], loaded.predict(x)[1]);
    assertEquals(t.evaluate(data.train()), loaded.evaluate(data.train()));
    assertEquals(5, loaded.epochsDone());
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(1, files.count(), "no temporary file is left beside the checkpoint");
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void resumingContinuesBitIdentically() {
    Trainer straight = trained(4);
    Path ckpt = dir.resolve("half.ckpt");
    trained(2).save(ckpt);
    Trainer resumed = iris.newTrainer().load(ckpt).epochs(4);
    resumed.fit(data.train(), null, null);
    Arena a = straight.network().parameters(), b = resumed.network().parameters();
    for (int i = 0; i < a.size(); i++) assertEquals(a.get(i), b.get(i), 0.0, "parameter " + i);
  }

  @Test
  void aCorruptedByteIsDetected() throws IOException {
    Path ckpt = dir.resolve("c.ckpt");
    trained(1).save(ckpt);
    byte[] bytes = Files.readAllBytes(ckpt);
    bytes[bytes.length / 2] ^= 0x40;
    Files.write(ckpt, bytes);
    NnetException e = assertThrows(NnetException.class, () -> iris.newTrainer().load(ckpt));
    assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
  }

  @Test
  void aTruncatedFileIsDetected() throws IOException {
    Path ckpt = dir.resolve("t.ckpt");
    trained(1).save(ckpt);
    byte[] bytes = Files.readAllBytes(ckpt);
    Files.write(ckpt, java.util.Arrays.copyOf(bytes, bytes.length - 20));
    NnetException e = assertThrows(NnetException.class, () -> iris.newTrainer().load(ckpt));
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
  }

  @Test
  void anotherModelsCheckpointIsRefusedWithBothLayouts() {
    Path ckpt = dir.resolve("other.ckpt");
    trained(1).save(ckpt);
    var other = NnetCompiler.defaults().compile(SourceFile.of("wider.nnet", """
        model Wider
        input [4]
        network {
          dense(17) -> tanh
          dense(3)
        }
        loss softmax_cross_entropy
        """));
    NnetException e = assertThrows(NnetException.class, () -> other.newTrainer().load(ckpt));
    assertTrue(e.getMessage().contains("'Iris'") && e.getMessage().contains("'Wider'"), e.getMessage());
    assertNotNull(e.hint());
  }

  @Test
  void notACheckpoint() throws IOException {
    Path ckpt = dir.resolve("notes.txt");
    Files.writeString(ckpt, "hello, I am not a checkpoint at all");
    NnetException e = assertThrows(NnetException.class, () -> iris.newTrainer().load(ckpt));
    assertTrue(e.getMessage().contains("not an nnet checkpoint"), e.getMessage());
  }

  @Test
  void aFailedSaveLeavesTheOldCheckpointIntact() throws IOException {
    Path ckpt = dir.resolve("keep.ckpt");
    Trainer t = trained(1);
    t.save(ckpt);
    byte[] before = Files.readAllBytes(ckpt);
    // A network whose parameters fail halfway through being written, as a full disk or a crash would.
    Network real = t.network();
    Network failing = (Network) Proxy.newProxyInstance(Network.class.getClassLoader(), new Class<?>[] {Network.class}, (p, m, args) -> {
      if (m.getName().equals("parameters")) {
        Arena a = real.parameters();
        return new Arena() {
          public int size() { return a.size(); }
          public double get(int i) { if (i == a.size() / 2) throw new IllegalStateException("simulated failure"); return a.get(i); }
          public void set(int i, double v) { a.set(i, v); }
        };
      }
      return m.invoke(real, args);
    });
    assertThrows(IllegalStateException.class, () -> Checkpoint.save(failing, Checkpoint.Position.start(1, 1), ckpt));
    assertArrayEquals(before, Files.readAllBytes(ckpt), "the previous checkpoint is unchanged");
  }
}
