package dev.nnet.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The command line's option handling on its own: values out of range are command-line errors (exit 2) with
 * one line saying why and a hint, never the whole usage and never a stack trace; help teaches.
 */
class OptionsTest {
  record Run(int code, String out, String err) {}

  static Run nnet(String... args) {
    StringWriter out = new StringWriter(), err = new StringWriter();
    int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Run(code, out.toString(), err.toString());
  }

  static final String IRIS = Path.of("../samples/iris.nnet").toString();

  @Test
  void valuesOutOfRangeAreCommandLineErrors() {
    String[][] cases = {
        {"--steps must be at least 1, got 0", "train", IRIS, "--steps", "0"},
        {"--steps must be at least 1, got -3", "train", IRIS, "--steps", "-3"},
        {"--epochs must be at least 1, got 0", "train", IRIS, "--epochs", "0"},
        {"--log-every must be 0 or more, got -1", "train", IRIS, "--log-every", "-1"},
        {"--threads must be at least 1, got 0", "eval", IRIS, "--weights", "x.ckpt", "--threads", "0"},
        {"--threads must be at least 1, got 0", "bench", IRIS, "--threads", "0"},
        {"--tolerance must be 0 or more, got -1.0", "gradcheck", IRIS, "--tolerance", "-1"},
        {"--elements must be at least 1, got 0", "gradcheck", IRIS, "--elements", "0"},
        {"--steps must be 0 or more, got -1", "diagnose", IRIS, "--steps", "-1"},
        {"--epochs must be at least 1, got 0", "schedule", IRIS, "--epochs", "0"},
        {"--steps-per-epoch must be at least 1, got 0", "schedule", IRIS, "--steps-per-epoch", "0"}};
    for (String[] c : cases) {
      String[] args = java.util.Arrays.copyOfRange(c, 1, c.length);
      Run r = nnet(args);
      assertEquals(2, r.code, String.join(" ", args) + "\n" + r.err);
      assertTrue(r.err.startsWith("error: " + c[0] + "\n"), r.err);
      assertTrue(r.err.contains("hint: 'nnet help " + args[0] + "' lists the options"), r.err);
      assertFalse(r.err.contains("Usage:"), "one line and a hint, not the whole usage: " + r.err);
    }
  }

  @Test
  void aMisspelledOptionGetsASuggestion() {
    Run r = nnet("train", IRIS, "--stepz", "3");
    assertEquals(2, r.code);
    assertTrue(r.err.contains("Unknown option") && r.err.contains("--steps"), r.err);
  }

  @Test
  void aMissingRequiredOptionIsNamed() {
    Run r = nnet("eval", IRIS);
    assertEquals(2, r.code);
    assertTrue(r.err.contains("--weights"), r.err);
  }

  @Test
  void helpListsEveryCommandAndTheExitCodes() {
    Run r = nnet("--help");
    assertEquals(0, r.code);
    for (String cmd : new String[] {"check", "generate", "train", "eval", "predict", "bench", "schedule", "gradcheck", "diagnose"}) {
      assertTrue(r.out.contains("  " + cmd), cmd + " in\n" + r.out);
    }
    assertTrue(r.out.contains("Exit codes: 0 success, 1 an error in the file"), r.out);
    Run train = nnet("help", "train");
    assertTrue(train.out.contains("--overwrite") && train.out.contains("--resume") && train.out.contains("readable by this"), train.out);
  }

  @Test
  void stacktraceBelongsToTheSubcommand() {
    Run plain = nnet("eval", IRIS, "--weights", "missing.ckpt");
    assertEquals(1, plain.code);
    assertFalse(plain.err.contains("\tat "), plain.err);
    Run traced = nnet("eval", IRIS, "--weights", "missing.ckpt", "--stacktrace");
    assertTrue(traced.err.contains("\tat dev.nnet"), traced.err);
  }
}
