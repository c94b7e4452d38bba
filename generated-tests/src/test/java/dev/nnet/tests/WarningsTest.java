package dev.nnet.tests;

import static org.junit.jupiter.api.Assertions.*;

import dev.nnet.NnetCompiler;
import dev.nnet.syntax.Diagnostic;
import dev.nnet.syntax.SourceFile;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The compiler teaches: each warning appears where it should, with its reason, and only there. */
class WarningsTest {

  static List<Diagnostic> warnings(String layers) {
    String text = "input [20]\nnetwork {\n  " + layers.replace("; ", "\n  ").replace(";", "\n  ") + "\n}\nloss softmax_cross_entropy\n";
    return NnetCompiler.defaults().check(SourceFile.of("w.nnet", text)).warnings();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "dense(32) -> dropout(0.2) -> relu; dense(3)                      | 3:3 | dropout before relu",
      "dense(32, init: he_normal) -> tanh; dense(3)                    | 3:3 | he_normal before tanh",
      "dense(32, init: xavier_uniform) -> relu; dense(3)               | 3:3 | xavier_uniform before relu",
      "dense(32) -> relu -> dropout(0.8); dense(3)                     | 3:3 | dropout(0.8) drops 80% of only 32 units",
      "dense(8) -> sigmoid; dense(8) -> sigmoid; dense(8) -> sigmoid; dense(3) | 3:3 | 3 sigmoid hidden layers",
      "dense(32) -> relu; dense(3) -> relu                             | 4:3 | the network ends in relu before softmax_cross_entropy",
      "dense(32) -> relu -> batchnorm; dense(3)                        | 3:3 | batchnorm after relu",
      "dense(32) -> relu -> dropout(0.2) -> batchnorm; dense(3)         | 3:3 | dropout before batchnorm"})
  void warns(String layers, String position, String message) {
    check(warnings(layers), position, message);
  }

  /** The same advice for conv blocks, on a [3, 8, 8] image. */
  static List<Diagnostic> imageWarnings(String layers) {
    String text = "input [3, 8, 8]\nnetwork {\n  " + layers.replace("; ", "\n  ") + "\n  flatten\n  dense(3)\n}\nloss softmax_cross_entropy\n";
    return NnetCompiler.defaults().check(SourceFile.of("w.nnet", text)).warnings();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "conv(8, kernel: 3, pad: same) -> channel_dropout(0.1) -> relu    | 3:3 | channel_dropout before relu",
      "conv(8, kernel: 3, pad: same) -> relu -> channel_dropout(0.1) -> batchnorm | 3:3 | channel_dropout before batchnorm",
      "conv(8, kernel: 3, pad: same) -> relu -> batchnorm                | 3:3 | batchnorm after relu",
      "conv(8, kernel: 3, pad: same, init: he_normal) -> tanh            | 3:3 | he_normal before tanh",
      "conv(8, kernel: 3, pad: same, init: xavier_uniform) -> relu       | 3:3 | xavier_uniform before relu"})
  void warnsAboutConvBlocks(String layers, String position, String message) {
    check(imageWarnings(layers), position, message);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"conv(8, kernel: 3, pad: same) -> batchnorm -> relu -> channel_dropout(0.1)",
      "conv(8, kernel: 3, pad: same, init: he_normal) -> relu -> maxpool(2)"})
  void staysQuietOnGoodConvBlocks(String layers) {
    assertEquals(List.of(), imageWarnings(layers));
  }

  static void check(List<Diagnostic> w, String position, String message) {
    assertEquals(1, w.size(), () -> "one warning, got " + w);
    assertTrue(w.get(0).format().startsWith("w.nnet:" + position + ": warning: " + message), w.get(0).format());
    assertNotNull(w.get(0).hint());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"dense(32) -> relu -> dropout(0.2); dense(3)", "dense(32) -> tanh; dense(3)",
      "dense(128) -> relu -> dropout(0.5); dense(3)", "dense(32, init: he_normal) -> relu; dense(3)",
      "dense(32) -> batchnorm -> relu -> dropout(0.2); dense(3)"})
  void staysQuietOnGoodPractice(String layers) {
    assertEquals(List.of(), warnings(layers));
  }
}
