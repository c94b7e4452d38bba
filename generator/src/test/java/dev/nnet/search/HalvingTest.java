package dev.nnet.search;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Successive halving's rule, on made-up curves: rungs after 1, η, η², ... epochs; the best ⌊n/η⌋ go on. */
class HalvingTest {
  static Search.Trial trial(double... curve) {
    return new Search.Trial(1, Map.of(), curve[curve.length - 1], curve.length, 0, 0, null, curve, false, true);
  }

  /** Five finished trials whose best loss after 3 epochs is 0.1 ... 0.5. */
  static List<Search.Trial> five() {
    List<Search.Trial> out = new ArrayList<>();
    for (int i = 1; i <= 5; i++) out.add(trial(1, 0.9, i / 10.0, i / 10.0));
    return out;
  }

  @Test
  void atARungTheBestThirdGoesOn() {
    // six values at the rung (the five and its own): the best ⌊6/3⌋ = 2 go on
    assertFalse(Search.notPromoted(0.15, 3, five(), false, 3), "second best of six");
    assertTrue(Search.notPromoted(0.25, 3, five(), false, 3), "third of six");
    assertFalse(Search.notPromoted(0.05, 3, five(), false, 3));
    // accuracy: larger is better
    List<Search.Trial> acc = new ArrayList<>();
    for (int i = 1; i <= 5; i++) acc.add(trial(0.5, 0.6, i / 10.0));
    assertFalse(Search.notPromoted(0.45, 3, acc, true, 3));
    assertTrue(Search.notPromoted(0.35, 3, acc, true, 3));
    // η = 2: the best half, ⌊6/2⌋ = 3
    assertFalse(Search.notPromoted(0.25, 3, five(), false, 2), "but with η = 2, 0.25 of six is third: in the best half");
  }

  @Test
  void onlyAtRungsAndOnlyWithEnoughTrialsThere() {
    assertFalse(Search.notPromoted(0.9, 2, five(), false, 3), "epoch 2 is no rung for η = 3");
    assertTrue(Search.notPromoted(1.5, 1, five(), false, 3), "epoch 1 is the first rung: the five have 1.0 there");
    assertFalse(Search.notPromoted(0.95, 1, five(), false, 3));
    assertFalse(Search.notPromoted(0.9, 4, five(), false, 3), "the five stopped at epoch 4 and 4 is no rung");
    assertFalse(Search.notPromoted(0.9, 3, five().subList(0, 2), false, 3), "two others at the rung: fewer than η, it goes on");
    assertTrue(Search.notPromoted(0.9, 3, five().subList(0, 3), false, 3), "three others: the best one of four goes on");
    assertFalse(Search.notPromoted(0.9, 9, five(), false, 3), "nobody reached epoch 9 yet");
  }
}
