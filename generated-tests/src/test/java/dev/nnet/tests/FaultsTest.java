package dev.nnet.tests;

import static org.junit.jupiter.api.Assertions.*;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import dev.nnet.NnetCompiler;
import dev.nnet.runtime.*;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults of the world around training: a process killed (SIGKILL) at random moments, and a full disk. The
 * latest checkpoint always loads, --resume continues bit-identically, and a failed write loses nothing.
 */
class FaultsTest {
  @TempDir
  Path dir;

  static String net(int epochs) {
    return Samples.irisNetwork("batch 8\nepochs " + epochs + "\nseed 3\noptimizer adam(lr: 0.01)", "train csv(\"iris.csv\", label: \"species\")");
  }

  private Process train(Path file, Path ckpt, boolean resume) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), "dev.nnet.cli.Main",
        "train", file.toString(), "-o", ckpt.toString(), "--threads", "1"));
    if (resume) cmd.add("--resume");
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("log.txt").toFile()).start();
  }

  @Test
  void killedAtRandomMomentsTheCheckpointLoadsAndResumesBitIdentically() throws Exception {
    Files.copy(Samples.sample("data/iris.csv"), dir.resolve("iris.csv"));
    int epochs = 4000;
    Path file = dir.resolve("k.nnet"), ckpt = dir.resolve("k.ckpt");
    Files.writeString(file, net(epochs));
    NnetCompiler.Compiled c = NnetCompiler.defaults().compile(Samples.read(file));
    Random r = new Random(11);
    long lastSteps = -1;
    int kills = 0;
    for (int round = 0; round < 4; round++) {
      Process p = train(file, ckpt, Files.exists(ckpt));
      // once training runs (a checkpoint newer than the last), it writes one every epoch, about every 2 ms: kill it
      // at a random moment among those writes
      long deadline = System.nanoTime() + 20_000_000_000L;
      while (p.isAlive() && System.nanoTime() < deadline && Checkpoint.stepsIn(ckpt) <= lastSteps) Thread.sleep(5);
      boolean finished = p.waitFor(r.nextInt(300), TimeUnit.MILLISECONDS);
      if (!finished) {
        p.destroyForcibly(); // SIGKILL: no shutdown hook, no finally
        p.waitFor();
        kills++;
      }
      if (Files.exists(ckpt)) {
        long steps = Checkpoint.stepsIn(ckpt);
        assertTrue(steps >= lastSteps, "each run continues the last: " + steps + " after " + lastSteps);
        lastSteps = steps;
        c.newTrainer().load(ckpt); // the latest checkpoint is whole: it loads (checksum, length, finite values)
      }
    }
    assertTrue(kills >= 2, "the test killed training mid-run (" + kills + " kills)");
    Process last = train(file, ckpt, Files.exists(ckpt));
    assertTrue(last.waitFor(120, TimeUnit.SECONDS), "the resumed run finishes");
    assertEquals(0, last.exitValue(), Files.readString(dir.resolve("log.txt")));
    try (var files = Files.list(dir)) {
      assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")), "the temporaries of killed writes are gone");
    }

    Trainer resumed = c.newTrainer().load(ckpt);
    Trainer straight = c.newTrainer().threads(1);
    straight.fit();
    assertEquals(epochs, resumed.epochsDone());
    Arena a = resumed.network().parameters(), b = straight.network().parameters();
    for (int i = 0; i < a.size(); i++) assertEquals(b.get(i), a.get(i), 0.0, "parameter " + i + " is the same to the bit");
  }

  /** A file system whose disk fills up: writes fail with "no space" once 64 KB are used. */
  private static FileSystem smallDisk() {
    return Jimfs.newFileSystem(Configuration.unix().toBuilder().setBlockSize(512).setMaxSize(64 * 1024).build());
  }

  private static void fill(Path dir) {
    try (OutputStream out = Files.newOutputStream(dir.resolve("filler"))) {
      byte[] block = new byte[512];
      while (true) out.write(block);
    } catch (IOException full) {
      // the disk is full now
    }
  }

  @Test
  void aFullDiskLosesNothing() throws IOException {
    try (FileSystem fs = smallDisk()) {
      Path root = fs.getPath("/work");
      Files.createDirectories(root);
      Trainer t = NnetCompiler.defaults().compile(Samples.read(Samples.sample("iris.nnet"))).newTrainer();
      Path ckpt = root.resolve("iris.ckpt"), npz = root.resolve("iris.npz"), java = root.resolve("Iris.java");
      t.save(ckpt);
      t.exportWeights(npz);
      AtomicFile.writeString(java, "the generated source", "class Iris {}");
      byte[] ckptBefore = Files.readAllBytes(ckpt), npzBefore = Files.readAllBytes(npz);
      fill(root);

      t.reinitialize(99);
      NnetException e = assertThrows(NnetException.class, () -> t.save(ckpt));
      assertTrue(e.getMessage().startsWith("cannot write checkpoint") && e.hint().contains("unchanged"), e.getMessage());
      assertThrows(NnetException.class, () -> t.exportWeights(npz));
      NnetException g = assertThrows(NnetException.class, () -> AtomicFile.writeString(java, "the generated source", "class Iris { int x; }"));
      assertTrue(g.hint().contains("the previous file is unchanged"), g.hint());
      NnetException plot = assertThrows(NnetException.class, () -> AtomicFile.write(root.resolve("lr.png"), "the plot", tmp -> {
        try (OutputStream out = Files.newOutputStream(tmp)) {
          out.write(new byte[4096]);
        }
      }));
      assertTrue(plot.getMessage().startsWith("cannot write the plot"), plot.getMessage());

      assertArrayEquals(ckptBefore, Files.readAllBytes(ckpt), "the checkpoint is as it was");
      assertArrayEquals(npzBefore, Files.readAllBytes(npz), "the weights are as they were");
      assertEquals("class Iris {}", Files.readString(java));
      NnetCompiler.defaults().compile(Samples.read(Samples.sample("iris.nnet"))).newTrainer().load(ckpt);
      try (var files = Files.list(root)) {
        List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
        assertEquals(List.of("Iris.java", "filler", "iris.ckpt", "iris.npz"), names, "no temporary file is left");
      }
    }
  }
}
