package dev.nnet.syntax;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The text of one .nnet file and the name it is reported under. Diagnostics quote its lines.
 *
 * @param name how errors name the file, e.g. {@code samples/fashion-mlp.nnet}
 * @param text the whole file
 * @param directory where relative data paths in the file are resolved; null for in-memory text
 */
public record SourceFile(String name, String text, Path directory) {

  public SourceFile {
    if (name == null || text == null) throw new NullPointerException("name and text are required");
  }

  /** A file held in memory (an application compiling user-supplied text); paths resolve against the working directory. */
  public static SourceFile of(String name, String text) {
    return new SourceFile(name, text, null);
  }

  /** Reads a file as UTF-8. */
  public static SourceFile read(Path path) throws IOException {
    Path dir = path.toAbsolutePath().getParent();
    return new SourceFile(path.toString(), Files.readString(path, StandardCharsets.UTF_8), dir);
  }

  /** The text of 1-based line {@code line}, without its line terminator; empty past the end. */
  public String line(int line) {
    int start = 0;
    for (int i = 1; i < line; i++) {
      int nl = text.indexOf('\n', start);
      if (nl < 0) return "";
      start = nl + 1;
    }
    int end = start;
    while (end < text.length() && text.charAt(end) != '\n' && text.charAt(end) != '\r') end++;
    return text.substring(start, end);
  }

  /** The file name without directories and the .nnet extension: the default model name. */
  public String baseName() {
    String n = name.replace('\\', '/');
    n = n.substring(n.lastIndexOf('/') + 1);
    return n.endsWith(".nnet") ? n.substring(0, n.length() - 5) : n;
  }
}
