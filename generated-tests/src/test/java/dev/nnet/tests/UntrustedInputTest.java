package dev.nnet.tests;

import static org.junit.jupiter.api.Assertions.*;

import dev.nnet.NnetCompiler;
import dev.nnet.syntax.SourceFile;
import org.junit.jupiter.api.Test;

/**
 * A .nnet file is untrusted: applications compile user-supplied text. Nothing in it may reach the
 * generated source except validated identifiers and escaped literals; comments and strings built to
 * break out of a Java comment or string must come through as inert text.
 */
class UntrustedInputTest {

  @Test
  void hostileCommentsAndStringsStayInert() {
    // a path may not hold a backslash or a control character (FileAccess refuses them); quotes and */ it may
    String decoded = "x\"); System.exit(42); // */ ";
    String path = decoded.replace("\"", "\\\""); // as a .nnet string literal
    String text = """
        # */ System.exit(41); /* \\u000a System.exit(43);
        input [4]   # \\u002a/ static { System.exit(44); } /\\u002a
        network {
          dense(3)  # */ } static { System.exit(45); } {
        }
        loss softmax_cross_entropy
        data {
          train csv("%s")
        }
        """.formatted(path);
    NnetCompiler.Compiled c = NnetCompiler.defaults().compile(new SourceFile("hostile */ \\u000a.nnet", text, java.nio.file.Path.of("target")));
    String source = c.generated().source();
    assertFalse(hasUnicodeEscape(source), "no Unicode escape survives:\n" + source);
    String code = withoutComments(source);
    assertEquals(1, code.split("System\\.exit", -1).length - 1, "outside comments, the only System.exit is inside the escaped path literal:\n" + code);
    assertTrue(code.contains("\"x\\\"); System.exit(42);"), "and it sits inside a string literal, its quote escaped");
    assertEquals(decoded, c.newTrainer().spec().plan().data().train().paths().get(0), "the path round-trips exactly");
  }

  /** Whether javac would read a Unicode escape: a backslash-u whose backslash follows an even number of backslashes (JLS 3.3). */
  static boolean hasUnicodeEscape(String s) {
    for (int i = s.indexOf("\\u"); i >= 0; i = s.indexOf("\\u", i + 1)) {
      int before = 0;
      while (i - before - 1 >= 0 && s.charAt(i - before - 1) == '\\') before++;
      if (before % 2 == 0) return true;
    }
    return false;
  }

  /** The source with // and /* *\/ comments removed, string and char literals kept intact. */
  static String withoutComments(String s) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\'') {
        int j = i + 1;
        while (s.charAt(j) != c) j += s.charAt(j) == '\\' ? 2 : 1;
        out.append(s, i, j + 1);
        i = j;
      } else if (s.startsWith("//", i)) {
        i = s.indexOf('\n', i) - 1;
      } else if (s.startsWith("/*", i)) {
        i = s.indexOf("*/", i + 2) + 1;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
