package dev.nnet.syntax;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.Token;
import org.junit.jupiter.api.Test;

/** nnet fmt: whitespace only, comments kept, stable, idempotent. */
class FormatterTest {
  static String fmt(String text) {
    return Formatter.format(SourceFile.of("t.nnet", text));
  }

  /** Every token but whitespace and line ends, as text: what formatting must not change. */
  static List<String> tokens(String text) {
    CommonTokenStream s = new CommonTokenStream(new NnetLexer(CharStreams.fromString(text)));
    s.fill();
    return s.getTokens().stream().filter(t -> t.getType() != Token.EOF && t.getType() != NnetLexer.NL).map(Token::getText).toList();
  }

  @Test
  void normalizesSpacingAndIndentationAndKeepsComments() {
    String messy = """


        # a net
        input   [ 4 ]
        let  w =1/16
        block  b( c , act : relu ) {
              dense( c ,init:normal(0,-w))->act   # trailing
        }
        network{
            b( 8 )
            residual ( shortcut: projection ) {
                dense(8)->
                relu
            }->relu


            repeat i in 1 .. 2 { dense( 2 * i ) }
        }
        loss mse
        training {

           schedule warmup(5) then cosine(T: 10)

        }
        """;
    String want = """
        # a net
        input [4]
        let w = 1 / 16
        block b(c, act: relu) {
          dense(c, init: normal(0, -w)) -> act  # trailing
        }
        network {
          b(8)
          residual(shortcut: projection) {
            dense(8) ->
                relu
          } -> relu

          repeat i in 1..2 { dense(2 * i) }
        }
        loss mse
        training {
          schedule warmup(5) then cosine(T: 10)
        }
        """;
    assertEquals(want, fmt(messy));
    assertEquals(want, fmt(want), "formatting twice changes nothing");
  }

  @Test
  void everySampleKeepsItsTokensAndFormatsStably() throws Exception {
    Path samples = Path.of("..", "samples");
    List<Path> files;
    try (Stream<Path> s = Files.walk(samples)) {
      files = s.filter(p -> p.toString().endsWith(".nnet")).toList();
    }
    assertTrue(files.size() > 20, "the samples are found");
    for (Path p : files) {
      String text = Files.readString(p), once = fmt(text);
      assertEquals(tokens(text), tokens(once), p + ": the same tokens and comments, in order");
      assertEquals(once, fmt(once), p + ": idempotent");
      Parsing.parse(SourceFile.of(p.toString(), once));
    }
  }

  @Test
  void aFileThatDoesNotParseIsRefused() {
    CompileException e = assertThrows(CompileException.class, () -> fmt("input [4\nnetwork {\n}\n"));
    assertTrue(e.getMessage().startsWith("t.nnet:"), e.getMessage());
  }
}
