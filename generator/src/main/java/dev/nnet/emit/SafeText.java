package dev.nnet.emit;

/**
 * The only way text from a .nnet file enters generated source outside string literals (which JavaPoet's
 * {@code $S} escapes): as comments, reduced to printable ASCII with nothing that could end a comment or
 * form a Unicode escape.
 */
final class SafeText {
  private SafeText() {}

  static String comment(String text) {
    StringBuilder sb = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\\') sb.append('/');
      else if (c >= 0x20 && c < 0x7f) sb.append(c);
      else sb.append('?');
    }
    return sb.toString().replace("*/", "* /").replace("/*", "/ *");
  }
}
