package dev.nnet.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class HtmlReportTest {
  static RunHistory sample() {
    RunHistory h = new RunHistory();
    h.model = "Net";
    h.source = "net.nnet";
    h.command = "nnet train net.nnet --report r.html";
    h.modelTable = "x".repeat(70_000); // beyond writeUTF's limit
    h.epochsPlanned = 3;
    h.stepsPerEpoch = 10;
    for (int e = 1; e <= 2; e++) h.epochs.add(new RunHistory.Epoch(e, 10L * e, 1.0 / e, 0.5 + 0.1 * e, 1.1 / e, Double.NaN, 1e-3, 1000, 0.5));
    for (int s = 0; s < 20; s++) h.steps.add(new RunHistory.Step(s, s / 10.0, 1 + Math.sin(s), 2, 1e-3));
    h.markers.add(new RunHistory.Marker("best", 2, "best epoch 2"));
    h.layers.add(new RunHistory.Layer(1, "dense1", "dense", 0.5, 0.1, Double.NaN, Double.NaN));
    h.findings.add("epoch 1: dense1: <b>bold</b>");
    h.test = new RunHistory.Test(4, 0.3, 0.75, List.of("<script>alert(1)</script>", "b"), new int[][] {{2, 0}, {1, 1}},
        List.of(new RunHistory.Wrong(3, 1, 0, 0.9, new float[] {0, 1, 2, 3})), 1, 2, 2);
    return h;
  }

  @Test
  void historyRoundTripsThroughBytes() {
    RunHistory h = sample();
    RunHistory back = RunHistory.fromBytes(h.toBytes());
    assertArrayEquals(h.toBytes(), back.toBytes());
    assertEquals(h.modelTable, back.modelTable);
    assertEquals(h.epochs, back.epochs);
    assertEquals(HtmlReport.render(h), HtmlReport.render(back), "the same history draws the same page");
    assertThrows(IllegalArgumentException.class, () -> RunHistory.fromBytes(new byte[] {0, 0, 0, 1, 5}));
  }

  @Test
  void outsideTextIsEscapedAndALiveRunReloads() {
    RunHistory h = sample();
    String live = HtmlReport.render(h);
    assertTrue(live.contains("<meta http-equiv=\"refresh\" content=\"10\">"), "a running run's page reloads itself");
    assertFalse(live.contains("<script>alert"), "a class name from a CSV cannot inject markup");
    assertTrue(live.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && live.contains("&lt;b&gt;bold"), "it is shown, escaped");
    assertTrue(live.contains("data:image/png;base64,"), "the wrong image is inline");
    h.status = "finished";
    assertFalse(HtmlReport.render(h).contains("http-equiv"), "a finished page does not reload");
  }
}
