package dev.nnet.tests;

import static org.junit.jupiter.api.Assertions.*;

import dev.nnet.NnetCompiler;
import dev.nnet.runtime.Dataset;
import dev.nnet.runtime.Network;
import dev.nnet.runtime.Trainer;
import dev.nnet.syntax.SourceFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A network written with blocks and repeat, and the same network written out layer by layer with the
 * names the expansion gives: the same generated source (comments aside, which cite different lines),
 * the same training, the same checkpoint.
 */
class BlocksTest {
  static final String HEAD = "model Net\ninput [2, 8, 8]\n";
  static final String TAIL = "loss softmax_cross_entropy\ntraining {\n  batch 8\n  seed 4\n  optimizer adam(lr: 0.01)\n}\n";

  static final String WITH_BLOCKS = HEAD + """
      block conv_bn(c, stride: 1) {
        conv(c, kernel: 3, pad: 1, stride: stride) -> batchnorm -> relu
      }
      network {
        conv_bn(8)
        residual(shortcut: projection) {
          conv_bn(16, stride: 2)
          conv(16, kernel: 3, pad: 1) -> batchnorm
        } -> relu
        flatten
        repeat 2 { dense(24) -> relu -> dropout(0.2) }
        dense(3)
      }
      """ + TAIL;

  static final String WRITTEN_OUT = HEAD + """
      network {
        conv(8, kernel: 3, pad: 1, stride: 1) as conv_bn1_conv1
        batchnorm as conv_bn1_batchnorm1
        relu as conv_bn1_relu1
        residual(shortcut: projection) {
          conv(16, kernel: 3, pad: 1, stride: 2) as conv_bn2_conv1
          batchnorm as conv_bn2_batchnorm1
          relu as conv_bn2_relu1
          conv(16, kernel: 3, pad: 1) -> batchnorm
        } -> relu
        flatten
        dense(24) -> relu -> dropout(0.2)
        dense(24) -> relu -> dropout(0.2)
        dense(3)
      }
      """ + TAIL;

  /** The generated source without comments, which cite the lines each layer came from. */
  static String code(String text) {
    String source = NnetCompiler.defaults().generate(SourceFile.of("net.nnet", text)).source();
    return source.lines().filter(l -> !l.trim().startsWith("*") && !l.trim().startsWith("/*") && !l.trim().startsWith("//"))
        .map(l -> l.replaceAll("//.*", "")).collect(Collectors.joining("\n"));
  }

  @Test
  void expandsToExactlyTheWrittenOutNetwork(@TempDir Path dir) throws Exception {
    assertEquals(code(WRITTEN_OUT), code(WITH_BLOCKS));

    Random r = new Random(3);
    float[] x = new float[64 * 128];
    int[] y = new int[64];
    for (int i = 0; i < x.length; i++) x[i] = r.nextFloat();
    for (int i = 0; i < y.length; i++) y[i] = r.nextInt(3);
    Dataset data = Dataset.classification("random", 128, x, y, 3);
    byte[][] checkpoints = new byte[2][];
    String[] texts = {WITH_BLOCKS, WRITTEN_OUT};
    for (int k = 0; k < 2; k++) {
      Trainer t = NnetCompiler.defaults().compile(SourceFile.of("net.nnet", texts[k])).newTrainer().epochs(2);
      t.fit(data, null, null);
      Path ckpt = dir.resolve("net" + k + ".ckpt");
      t.save(ckpt);
      checkpoints[k] = Files.readAllBytes(ckpt);
    }
    assertArrayEquals(checkpoints[1], checkpoints[0], "the same weights, optimizer state and names, byte for byte");
  }

  @Test
  void blockNamesReachTheStateDict() {
    Network net = NnetCompiler.defaults().compile(SourceFile.of("net.nnet", WITH_BLOCKS)).newNetwork();
    assertNotNull(net.spec().tensor("conv_bn2_conv1.weight"));
    assertNotNull(net.spec().tensor("conv_bn1_batchnorm1.running_mean"));
  }
}
