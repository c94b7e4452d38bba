package dev.nnet.tests;

import static org.junit.jupiter.api.Assertions.*;

import dev.nnet.Nnet;
import dev.nnet.NnetCompiler;
import dev.nnet.runtime.DataException;
import dev.nnet.runtime.Trainer;
import dev.nnet.syntax.CompileException;
import dev.nnet.syntax.SourceFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Untrusted .nnet text must read only what the application allows (issue 18): every path a file names is
 * resolved against a root and must stay under it after {@code ..} and symbolic links, or the file gets a
 * positioned error naming the path and the policy, and nothing is opened. Errors never echo a file's contents.
 */
class FileAccessTest {
  @TempDir
  Path dir;

  Path root, outside;

  @BeforeEach
  void files() throws IOException {
    root = Files.createDirectories(dir.resolve("root"));
    outside = Files.createDirectories(dir.resolve("outside"));
    Files.writeString(outside.resolve("secret.csv"), "password,hunter2\nswordfish,1\n");
    Files.copy(Samples.sample("data/iris.csv"), root.resolve("iris.csv"));
    Files.createDirectories(root.resolve("sub"));
    Files.createSymbolicLink(root.resolve("sub/link.csv"), outside.resolve("secret.csv"));
    Files.createSymbolicLink(root.resolve("out"), outside);
  }

  static String net(String data) {
    return "input [4]\nnetwork {\n  dense(8) -> relu\n  dense(3)\n}\nloss softmax_cross_entropy\ntraining {\n  epochs 1\n}\ndata {\n" + data + "\n}\n";
  }

  /** The hostile corpus: every way out of a root this test could think of. */
  List<String> hostile() {
    String secret = outside.resolve("secret.csv").toString();
    return List.of(
        "  train csv(\"" + secret + "\")",                               // absolute, outside
        "  train csv(\"/etc/passwd\", label: 0)",                         // the example
        "  train csv(\"../../../../etc/shadow\")",                       // .. escape
        "  train csv(\"../outside/secret.csv\")",
        "  train csv(\"sub/../../outside/secret.csv\")",
        "  train csv(\"sub/link.csv\")",                                  // a link inside the root pointing out
        "  train csv(\"out/secret.csv\")",                                // a linked folder
        "  dir \"" + outside + "\"\n  train csv(\"secret.csv\")",          // through dir
        "  dir \"..\"\n  train csv(\"outside/secret.csv\")",
        "  train csv(\"..\\\\outside\\\\secret.csv\")",                      // Windows style
        "  train csv(\"file:///etc/passwd\")",                             // URL style
        "  train csv(\"http://example.invalid/x.csv\")",
        "  train csv(\"C:/Windows/win.ini\")",
        "  train csv(\"iris\\t.csv\")",                                     // a control character
        "  train npy(\"" + secret + "\", \"y.npy\")",
        "  train idx(\"" + secret + "\", \"/etc/hostname\")");
  }

  @Test
  void textFromMemoryReadsNothing() {
    for (String data : hostile()) {
      CompileException e = assertThrows(CompileException.class, () -> Nnet.compile(net(data)), data);
      assertTrue(e.getMessage().contains("may not be read"), e.getMessage());
      assertFalse(e.getMessage().contains("hunter2") || e.getMessage().contains("swordfish"), "no content echoed");
    }
    CompileException e = assertThrows(CompileException.class, () -> Nnet.compile(net("  train csv(\"iris.csv\")")));
    assertTrue(e.getMessage().contains("<text>:11:13: error: 'iris.csv' may not be read: this compiler was given no file access"), e.getMessage());
    // with no path at all, it compiles and trains on data from Java
    Trainer t = Nnet.compile(net("  scale 1"));
    assertNotNull(t);
  }

  @Test
  void underARootOnlyTheRootIsRead() {
    for (String data : hostile()) {
      CompileException e = assertThrows(CompileException.class, () -> Nnet.compile(net(data), root), data);
      assertTrue(e.getMessage().contains("may not be read"), data + "\n" + e.getMessage());
      assertFalse(e.getMessage().contains("hunter2") || e.getMessage().contains("swordfish"), "no content echoed");
    }
    Trainer t = Nnet.compile(net("  train csv(\"iris.csv\", label: \"species\")"), root);
    assertEquals(1, t.fit().epochs().size(), "a file under the root trains");
    // an error about a file inside the root quotes the offending token only, not its columns
    DataException e = assertThrows(DataException.class,
        () -> Nnet.compile(net("  train csv(\"iris.csv\", label: \"kind\")"), root).fit());
    assertTrue(e.getMessage().contains("no column named 'kind'") && !e.hint().contains("sepal"), e.getMessage() + " / " + e.hint());
  }

  @Test
  void aUsersOwnFileReadsItsFolderAndAbsolutePaths() throws IOException {
    Path file = root.resolve("mine.nnet");
    for (String data : List.of("  train csv(\"../outside/secret.csv\")", "  train csv(\"sub/link.csv\")", "  train csv(\"out/secret.csv\")",
        "  dir \"..\"\n  train csv(\"outside/secret.csv\")")) {
      Files.writeString(file, net(data));
      CompileException e = assertThrows(CompileException.class, () -> NnetCompiler.defaults().check(Samples.read(file)), data);
      assertTrue(e.getMessage().contains("leads outside the .nnet file's folder"), e.getMessage());
    }
    Files.writeString(file, net("  train csv(\"" + outside.resolve("secret.csv") + "\", label: 1)"));
    NnetCompiler.defaults().check(Samples.read(file)); // an absolute path the user wrote is theirs to read
    Files.writeString(file, net("  train csv(\"iris.csv\", label: \"species\")"));
    assertEquals(1, Nnet.compile(file).fit().epochs().size());
  }

  @Test
  void aLinkChangedAfterCompilingIsCaughtWhenTheFileIsOpened() throws IOException {
    Path data = root.resolve("later.csv");
    Files.copy(Samples.sample("data/iris.csv"), data);
    Trainer t = Nnet.compile(net("  train csv(\"later.csv\", label: \"species\")"), root);
    Files.delete(data);
    Files.createSymbolicLink(data, outside.resolve("secret.csv"));
    DataException e = assertThrows(DataException.class, t::fit);
    assertTrue(e.getMessage().contains("'later.csv' may not be read: it leads outside the file root"), e.getMessage());
  }

  @Test
  void theCommandLineTakesAFileRoot() throws IOException {
    Path file = root.resolve("cli.nnet");
    Files.writeString(file, net("  train csv(\"" + outside.resolve("secret.csv") + "\", label: 1)"));
    CliTest.Run r = CliTest.nnet("check", file.toString(), "--file-root", root.toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("cli.nnet:11:13: error: '" + outside.resolve("secret.csv") + "' may not be read: it leads outside the file root"), r.err());
    assertEquals(0, CliTest.nnet("check", file.toString()).code(), "without --file-root, an absolute path the user wrote is allowed");
  }

  @Test
  void limitsForUntrustedTextAreRefusedAtCheckWithTheFigure() {
    NnetCompiler c = NnetCompiler.defaults().noFileAccess().limits(NnetCompiler.Limits.untrusted());
    String big = "input [4]\nnetwork {\n  dense(4096) -> relu\n  dense(4096)\n}\nloss mse\n";
    CompileException e = assertThrows(CompileException.class, () -> c.check(SourceFile.of("u.nnet", big)));
    assertTrue(e.getMessage().matches("(?s).*u.nnet:4:3: error: the network has \\d+ parameters by here, more than the 10000000 allowed.*"), e.getMessage());
    String deep = "input [4]\nnetwork {\n" + "  dense(4) -> relu\n".repeat(101) + "}\nloss mse\n";
    assertTrue(assertThrows(CompileException.class, () -> c.check(SourceFile.of("u.nnet", deep))).getMessage().contains("more than 200 layers"));
    String nested = "input [4]\nnetwork {\n  " + "residual { ".repeat(17) + "dense(4)" + " }".repeat(17) + "\n}\nloss mse\n";
    assertTrue(assertThrows(CompileException.class, () -> c.check(SourceFile.of("u.nnet", nested))).getMessage().contains("nested more than 16 deep"));
    String longText = "# " + "x".repeat(100_001) + "\n" + big;
    assertTrue(assertThrows(CompileException.class, () -> c.check(SourceFile.of("u.nnet", longText))).getMessage()
        .contains("characters; this compiler accepts at most 100000"));
    String wide = "input [4]\nnetwork {\n  dense(2000) -> relu\n  dense(2000)\n}\nloss mse\ntraining {\n  batch 16384\n}\n";
    assertTrue(assertThrows(CompileException.class, () -> c.check(SourceFile.of("u.nnet", wide))).getMessage().contains("layer outputs hold"));
  }
}
