package dev.nnet.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nnet.NnetCompiler;
import dev.nnet.runtime.Npz;
import dev.nnet.runtime.Trainer;
import dev.nnet.syntax.SourceFile;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A search's trials that change no shape share one compiled class ({@link NnetCompiler#forSearch}): the values
 * they vary are constructor arguments. Such a class must train exactly as a class compiled with the values as
 * literals, for every optimizer's constants, dropout and regularization.
 */
class SearchClassReuseTest {

  /** An Iris network whose every non-shape hyperparameter comes from a let; the optimizer line varies. */
  static String text(int width, double lr, double drop, double a, double b, String optimizer, String clip) {
    return """
        model Reuse
        let width = %d
        let lr = %s
        let p_drop = %s
        let a = %s
        let b = %s
        input [4]
        network {
          dense(width) -> relu -> dropout(p_drop)
          dense(8) -> tanh -> dropout(p_drop)
          dense(3)
        }
        loss softmax_cross_entropy
        training {
          batch 8
          epochs 3
          seed 5
          optimizer %s
          weight_decay b
          l1 b / 10
          %s
        }
        data {
          train csv("data/iris.csv", label: "species")
          validation 0.2
        }
        """.formatted(width, lr, drop, a, b, optimizer, clip);
  }

  static SourceFile source(String text) {
    return new SourceFile("reuse.nnet", text, Samples.repo().resolve("samples"));
  }

  static Map<String, Npz.Array> trained(NnetCompiler.Compiled c) {
    Trainer t = c.newTrainer().threads(1);
    t.fit();
    return t.stateDict();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "adam(lr: lr, beta1: 1 - a / 10, beta2: 0.99 + b, eps: b / 1000) | clip_norm 3 + a | AUTO",
      "adamw(lr: lr, beta1: 0.8 + a / 10, weight_decay: b) | clip_value 2 + a | AUTO",
      "sgd(lr: lr, momentum: 0.5 + a / 5, nesterov: true) | clip_norm 3 + a | AUTO",
      "rmsprop(lr: lr, alpha: 0.9 + a / 20, eps: b) | clip_value 2 + a | AUTO",
      "adagrad(lr: lr, eps: b) | clip_norm 3 + a | PLAIN",
      "adam(lr: lr, beta1: 1 - a / 10, beta2: 0.99 + b, eps: b / 1000) | clip_value 2 + a | PLAIN"})
  void trialsThatChangeNoShapeShareAClassThatTrainsAsItsOwnWould(String optimizer, String clip, NnetCompiler.Kernels kernels) {
    NnetCompiler search = NnetCompiler.defaults().kernels(kernels).forSearch();
    NnetCompiler.Compiled first = search.compile(source(text(16, 0.01, 0.1, 0.5, 0.001, optimizer, clip)));
    NnetCompiler.Compiled second = search.compile(source(text(16, 0.003, 0.3, 0.8, 0.004, optimizer, clip)));
    assertSame(first.type(), second.type(), "only values that are constructor arguments changed");
    assertFalse(second.newClass(), "the second trial reused the first's class");
    assertFalse(java.util.Arrays.equals(first.generated().arguments(), second.generated().arguments()));
    // the spec a trial's data is read with is its own, not the shared class's
    assertEquals(0.01, first.spec().plan().learningRate(), 1e-12);
    assertEquals(0.003, second.spec().plan().learningRate(), 1e-12);

    NnetCompiler.Compiled wider = search.compile(source(text(24, 0.003, 0.3, 0.8, 0.004, optimizer, clip)));
    assertNotSame(first.type(), wider.type(), "a width is a shape: another class");

    // the shared class, constructed with the second trial's values, trains bit for bit as a class with them as literals
    NnetCompiler.Compiled literal = NnetCompiler.defaults().kernels(kernels).compile(source(text(16, 0.003, 0.3, 0.8, 0.004, optimizer, clip)));
    assertNotSame(literal.type(), second.type());
    assertEquals(null, literal.generated().arguments());
    assertSame(literal.newNetwork().spec(), literal.spec(), "a class with its values as literals has its spec as a constant: no network is built for it");
    Map<String, Npz.Array> viaArguments = trained(second), viaLiterals = trained(literal);
    assertEquals(viaLiterals.keySet(), viaArguments.keySet());
    for (String k : viaLiterals.keySet()) assertArrayEquals(viaLiterals.get(k).data(), viaArguments.get(k).data(), 0.0, k);
    // and differently from the first trial's values (the arguments are used, not the first trial's)
    Map<String, Npz.Array> firstValues = trained(first);
    assertTrue(firstValues.keySet().stream().anyMatch(k -> !java.util.Arrays.equals(firstValues.get(k).data(), viaArguments.get(k).data())));
  }

  @ParameterizedTest
  @CsvSource({"AUTO", "PLAIN"})
  void theSearchClassHasNoTrialValueInItsSource(NnetCompiler.Kernels kernels) {
    String optimizer = "adamw(lr: lr, beta1: 0.8 + a / 10, weight_decay: b)", clip = "clip_norm 3 + a";
    NnetCompiler search = NnetCompiler.defaults().kernels(kernels).forSearch();
    String a = search.generate(source(text(16, 0.0123, 0.171, 0.5, 0.00077, optimizer, clip))).source();
    String b = search.generate(source(text(16, 0.0456, 0.262, 0.6, 0.00033, optimizer, clip))).source();
    assertEquals(a, b);
    for (String v : new String[] {"0.0123", "0.171", "0.00077", "0.85"}) assertFalse(a.contains(v), v + " is in the search class's source");
  }
}
