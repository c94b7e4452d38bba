package dev.nnet.tests;

import static org.junit.jupiter.api.Assertions.*;

import dev.nnet.NnetCompiler;
import dev.nnet.runtime.*;
import java.util.List;
import org.junit.jupiter.api.Test;

/** nnet diagnose reproduces the notes' experiment on depth and initialization. */
class DiagnoseTest {

  static List<Diagnosis.LayerStats> atInit(String sample) {
    Trainer t = NnetCompiler.defaults().compile(Samples.read(Samples.sample(sample))).newTrainer();
    NetworkSpec spec = t.spec();
    return t.diagnose(Dataset.random(spec, spec.batchSize(), spec.inputSize(), new Rng(1)), 0).get(0);
  }

  static double perLayer(List<Diagnosis.LayerStats> s) {
    List<Diagnosis.LayerStats> dense = s.stream().filter(l -> l.operation().equals("dense")).toList();
    return Math.pow(dense.get(dense.size() - 2).actStd() / dense.get(0).actStd(), 1.0 / (dense.size() - 2));
  }

  @Test
  void uniformInitLosesAboutOneOverRootThreePerLayer() {
    List<Diagnosis.LayerStats> s = atInit("depth-uniform.nnet");
    assertEquals(1 / Math.sqrt(3), perLayer(s), 0.05, "the notes: ×1/√3 per layer");
    List<String> f = Diagnosis.findings(s);
    assertTrue(f.stream().anyMatch(x -> x.startsWith("vanishing activations")), f.toString());
    assertTrue(f.stream().anyMatch(x -> x.startsWith("vanishing gradients")), f.toString());
  }

  @Test
  void xavierAndHeKeepTheSignal() {
    List<Diagnosis.LayerStats> he = atInit("depth-he.nnet");
    assertEquals(1, perLayer(he), 0.1, "He before relu keeps the spread");
    assertEquals(List.of(), Diagnosis.findings(he));
    assertTrue(perLayer(atInit("depth-xavier.nnet")) > 0.8, "Xavier before tanh keeps most of it");
    assertEquals(List.of(), Diagnosis.findings(atInit("depth-xavier.nnet")));
    Diagnosis.LayerStats relu = he.stream().filter(l -> l.operation().equals("relu")).findFirst().orElseThrow();
    assertTrue(relu.deadFraction() >= 0 && relu.deadFraction() < 0.05, "few dead ReLUs at He init: " + relu.deadFraction());
    assertTrue(Double.isNaN(relu.saturatedFraction()));
  }

  @Test
  void cliPrintsJsonPerLayer() {
    CliTest.Run r = CliTest.nnet("diagnose", Samples.sample("depth-uniform.nnet").toString(), "--json");
    assertEquals(0, r.code(), r.err());
    List<String> lines = r.out().strip().lines().toList();
    assertEquals(21, lines.size(), "one object per layer");
    assertTrue(lines.get(0).matches("\\{\"when\":\"init\",\"layer\":\"dense1\",\"operation\":\"dense\",\"act_mean\":[-0-9.eE]+,\"act_std\":[0-9.eE-]+,"
        + "\"grad_norm\":[0-9.eE-]+,\"dead_fraction\":null,\"saturated_fraction\":null}"), lines.get(0));
    assertTrue(lines.get(1).contains("\"operation\":\"tanh\"") && lines.get(1).matches(".*\"saturated_fraction\":[0-9.eE-]+}"), lines.get(1));
  }
}
