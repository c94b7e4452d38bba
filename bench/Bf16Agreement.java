import dev.nnet.NnetCompiler;
import dev.nnet.compile.JaninoCompiler;
import dev.nnet.emit.PredictorEmitter;
import dev.nnet.runtime.*;
import dev.nnet.syntax.SourceFile;
import java.nio.file.*;

/**
 * For the README: the predictor of a float32 checkpoint against the predictor of its bf16 weights file, on the whole
 * test set: file sizes, how often they pick the same class, both accuracies, the largest probability difference.
 *
 * <p>java --add-modules jdk.incubator.vector -cp cli/target/nnet.jar bench/Bf16Agreement.java samples/fashion-cnn.nnet fashion-cnn.ckpt /tmp/cnn
 * (writes /tmp/cnn.float32.ckpt and /tmp/cnn.bf16.ckpt)
 */
public class Bf16Agreement {
  public static void main(String[] a) throws Exception {
    Path nnet = Path.of(a[0]), ckpt = Path.of(a[1]);
    NnetCompiler.Compiled c = NnetCompiler.defaults().compile(SourceFile.read(nnet));
    Trainer t = c.newTrainer().load(ckpt);
    Path f32 = Path.of(a[2] + ".float32.ckpt"), bf16 = Path.of(a[2] + ".bf16.ckpt");
    t.saveWeights(f32, false);
    t.saveWeights(bf16, true);
    var g = c.generated();
    Class<?> p = JaninoCompiler.compile("p." + g.model().name() + "Predictor", PredictorEmitter.emit(g.model(), g.layout(), "p").toString()).type();
    Class<?> q = JaninoCompiler.compile("q." + g.model().name() + "Predictor", PredictorEmitter.emit(g.model(), g.layout(), "q", true).toString()).type();
    Object pp = p.getMethod("load", java.io.InputStream.class).invoke(null, Files.newInputStream(f32));
    Object qq = q.getMethod("load", java.io.InputStream.class).invoke(null, Files.newInputStream(bf16));
    Dataset test = c.data().test();
    int n = test.rows(), w = test.featureSize(), agree = 0, right32 = 0, right16 = 0;
    double worst = 0;
    for (int i = 0; i < n; i++) {
      float[] x = java.util.Arrays.copyOfRange(test.features(), i * w, (i + 1) * w);
      float[] y32 = (float[]) p.getMethod("predict", float[].class).invoke(pp, (Object) x.clone());
      float[] y16 = (float[]) q.getMethod("predict", float[].class).invoke(qq, (Object) x.clone());
      int k32 = argmax(y32), k16 = argmax(y16);
      if (k32 == k16) agree++;
      if (k32 == test.labels()[i]) right32++;
      if (k16 == test.labels()[i]) right16++;
      for (int k = 0; k < y32.length; k++) worst = Math.max(worst, Math.abs(y32[k] - y16[k]));
    }
    System.out.printf("%s: checkpoint %,d B, float32 weights %,d B, bf16 weights %,d B; agreement %d/%d = %.4f; accuracy float32 %.4f, bf16 %.4f; max |dp| %.4f%n",
        nnet, Files.size(ckpt), Files.size(f32), Files.size(bf16), agree, n, agree / (double) n, right32 / (double) n, right16 / (double) n, worst);
  }

  static int argmax(float[] v) {
    int b = 0;
    for (int i = 1; i < v.length; i++) if (v[i] > v[b]) b = i;
    return b;
  }
}
