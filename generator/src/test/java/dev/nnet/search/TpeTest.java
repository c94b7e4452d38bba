package dev.nnet.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nnet.analysis.SearchSpec;
import dev.nnet.runtime.Rng;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** TPE's suggestions move towards where the good trials were; random draws do not. */
class TpeTest {
  static final SearchSpec.Param LR = new SearchSpec.Param("lr", 1e-3, new SearchSpec.Domain("loguniform", 1e-5, 1e-1, List.of()), null, null, 1, 0, 0);
  static final SearchSpec.Param WIDTH = new SearchSpec.Param("width", 16, new SearchSpec.Domain("choice", 4, 64, List.of(4.0, 16.0, 64.0)), null, null, 2, 0, 0);

  /** A made-up objective: best at lr = 1e-2 and width 16. */
  static double loss(Map<String, Double> v) {
    double d = Math.log10(v.get("lr")) + 2;
    return d * d + (v.get("width") == 16 ? 0 : 1);
  }

  @Test
  void suggestionsConcentrateWhereTheGoodTrialsWere() {
    Rng rng = new Rng(5);
    List<Tpe.Observation> history = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      Map<String, Double> v = Map.of("lr", LR.domain().sample(rng.nextDouble()), "width", WIDTH.domain().sample(rng.nextDouble()));
      history.add(new Tpe.Observation(v, loss(v)));
    }
    double tpe = 0, random = 0;
    int width16 = 0;
    for (int t = 0; t < 200; t++) {
      Map<String, Double> s = Tpe.suggest(List.of(LR, WIDTH), history, new Rng(100 + t));
      tpe += loss(s);
      if (s.get("width") == 16) width16++;
      assertTrue(s.get("lr") >= 1e-5 && s.get("lr") <= 1e-1, "inside the domain: " + s);
      Map<String, Double> r = Map.of("lr", LR.domain().sample(rng.nextDouble()), "width", WIDTH.domain().sample(rng.nextDouble()));
      random += loss(r);
    }
    assertTrue(tpe < 0.5 * random, "TPE's mean loss " + tpe / 200 + " against random's " + random / 200);
    assertTrue(width16 > 120, "the good choice is suggested most: " + width16 + " of 200");
  }

  @Test
  void theSameHistoryAndSeedSuggestTheSame() {
    List<Tpe.Observation> history = List.of(new Tpe.Observation(Map.of("lr", 1e-3, "width", 4.0), 1), new Tpe.Observation(Map.of("lr", 1e-2, "width", 16.0), 0.1));
    assertEquals(Tpe.suggest(List.of(LR, WIDTH), history, new Rng(9)), Tpe.suggest(List.of(LR, WIDTH), history, new Rng(9)));
  }

  @Test
  void integerDomainsStayWhole() {
    SearchSpec.Param units = new SearchSpec.Param("u", 64, new SearchSpec.Domain("logint", 8, 512, List.of()), null, null, 1, 0, 0);
    List<Tpe.Observation> history = new ArrayList<>();
    for (int i = 8; i <= 512; i *= 2) history.add(new Tpe.Observation(Map.of("u", (double) i), Math.abs(Math.log(i / 64.0))));
    for (int t = 0; t < 50; t++) {
      double u = Tpe.suggest(List.of(units), history, new Rng(t)).get("u");
      assertTrue(u == Math.rint(u) && u >= 8 && u <= 512, "a whole number in [8, 512]: " + u);
    }
  }
}
