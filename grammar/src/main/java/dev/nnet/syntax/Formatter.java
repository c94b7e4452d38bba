package dev.nnet.syntax;

import java.util.ArrayList;
import java.util.List;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.Token;

/**
 * {@code nnet fmt}: a file in the canonical layout. Only whitespace changes: the tokens and comments stay
 * as written and in order, lines break where the author broke them (outside brackets), and then
 * <ul>
 *   <li>two spaces of indentation per open brace, four more on a line that continues the one above (after
 *       {@code ->}, {@code ,} or {@code then}, or starting with {@code ->});
 *   <li>one space around {@code ->}, {@code =}, {@code then} and the arithmetic operators, one after
 *       {@code ,} and {@code :}, none inside brackets, none before an argument list or around {@code ..};
 *   <li>two spaces before a comment that ends a line; at most one blank line in a row, none after
 *       {@code {} or before {@code }}, and one newline at the end.
 * </ul>
 * A line broken inside ( ) or [ ] is joined. Formatting a formatted file changes nothing.
 */
public final class Formatter {
  private Formatter() {}

  /** The file in the canonical layout; a file that does not parse is refused with the parser's error. */
  public static String format(SourceFile source) {
    Parsing.parse(source); // positioned errors for a file that does not parse: nothing is formatted
    String text = source.text().startsWith("\uFEFF") ? source.text().substring(1) : source.text();
    NnetLexer lexer = new NnetLexer(CharStreams.fromString(text));
    lexer.removeErrorListeners();
    CommonTokenStream stream = new CommonTokenStream(lexer);
    stream.fill();
    List<Token> tokens = new ArrayList<>();
    for (Token t : stream.getTokens()) if (t.getType() != Token.EOF) tokens.add(t);

    StringBuilder out = new StringBuilder();
    StringBuilder line = new StringBuilder();
    int depth = 0, opened = 0, blank = 0; // opened: braces this line opens, which indent from the next line on
    boolean continues = false, startOfFile = true;
    Token previous = null, code = null; // the previous token on this line, and the previous one that is not a comment
    for (int i = 0; i < tokens.size(); i++) {
      Token t = tokens.get(i);
      if (t.getType() == NnetLexer.NL) {
        if (line.length() == 0) {
          blank++;
          continue;
        }
        int last = code == null ? -1 : code.getType();
        continues = last == NnetLexer.ARROW || last == NnetLexer.COMMA || last == NnetLexer.THEN;
        depth += opened;
        opened = 0;
        out.append(line).append('\n');
        line.setLength(0);
        previous = code = null;
        blank = 0;
        continue;
      }
      if (line.length() == 0) {
        // the first token of a line: its indentation, and a blank line above it if the author left one
        boolean closes = t.getType() == NnetLexer.RBRACE;
        if (closes) depth = Math.max(0, depth - 1);
        boolean afterOpen = out.length() >= 2 && out.charAt(out.length() - 2) == '{';
        if (blank > 0 && !startOfFile && !closes && !afterOpen) out.append('\n');
        blank = 0;
        startOfFile = false;
        boolean continuation = (continues || t.getType() == NnetLexer.ARROW) && !closes;
        line.append("  ".repeat(depth)).append(continuation ? "    " : "");
      } else {
        line.append(space(previous, t, tokens, i));
        if (t.getType() == NnetLexer.RBRACE) {
          if (opened > 0) opened--;
          else depth = Math.max(0, depth - 1);
        }
      }
      if (t.getType() == NnetLexer.LBRACE) opened++;
      line.append(t.getText());
      previous = t;
      if (t.getType() != NnetLexer.COMMENT) code = t;
    }
    if (line.length() > 0) out.append(line).append('\n');
    return out.toString();
  }

  private static String space(Token a, Token b, List<Token> tokens, int i) {
    int x = a.getType(), y = b.getType();
    if (y == NnetLexer.COMMENT) return "  ";
    if (x == NnetLexer.LPAREN || x == NnetLexer.LBRACK) return "";
    if (y == NnetLexer.RPAREN || y == NnetLexer.RBRACK || y == NnetLexer.COMMA || y == NnetLexer.COLON) return "";
    if (x == NnetLexer.DOTDOT || y == NnetLexer.DOTDOT) return "";
    if (y == NnetLexer.LPAREN && (x == NnetLexer.IDENT || isWord(x))) return ""; // a call or an argument list
    if (x == NnetLexer.MINUS && unary(tokens, i - 1)) return "";
    return " ";
  }

  private static boolean isWord(int type) {
    return type == NnetLexer.LOAD || type == NnetLexer.SEARCH;
  }

  /** Whether the minus at {@code tokens[m]} negates (nothing that ends a value stands before it). */
  private static boolean unary(List<Token> tokens, int m) {
    for (int j = m - 1; j >= 0; j--) {
      int type = tokens.get(j).getType();
      if (type == NnetLexer.COMMENT) continue;
      return !(type == NnetLexer.NUMBER || type == NnetLexer.IDENT || type == NnetLexer.RPAREN || type == NnetLexer.RBRACK
          || type == NnetLexer.STRING);
    }
    return true;
  }
}
