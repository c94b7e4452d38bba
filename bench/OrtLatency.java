import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

/**
 * ONNX Runtime's one-sample latency on a model `nnet export` wrote, to set beside `nnet bench FILE --latency`:
 * one sample a call (a [1, ...input shape] tensor, the input made once and reused, as a service would reuse a
 * buffer), p50 and p99 over N calls after N warm-up calls, one intra-op thread, sequential execution.
 *
 * Run (ONNX Runtime's jar from the local Maven repository, where the test build put it):
 *   ORT=~/.m2/repository/com/microsoft/onnxruntime/onnxruntime/1.23.2/onnxruntime-1.23.2.jar
 *   java -cp $ORT bench/OrtLatency.java model.onnx 1,784 [calls]
 */
public class OrtLatency {
  public static void main(String[] args) throws Exception {
    String model = args[0];
    long[] shape = Arrays.stream(args[1].split(",")).mapToLong(Long::parseLong).toArray();
    int calls = args.length > 2 ? Integer.parseInt(args[2]) : 100_000;
    int size = 1;
    for (long d : shape) size *= (int) d;
    float[] x = new float[size];
    Random r = new Random(1);
    for (int i = 0; i < size; i++) x[i] = r.nextFloat() * 255;
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession.SessionOptions o = new OrtSession.SessionOptions();
    o.setIntraOpNumThreads(1);
    o.setInterOpNumThreads(1);
    o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
    o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
    try (OrtSession s = env.createSession(model, o); OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape)) {
      Map<String, OnnxTensor> in = Map.of("input", t);
      for (int i = 0; i < calls; i++) s.run(in).close();
      long[] ns = new long[calls];
      for (int i = 0; i < calls; i++) {
        long t0 = System.nanoTime();
        s.run(in).close();
        ns[i] = System.nanoTime() - t0;
      }
      Arrays.sort(ns);
      System.out.printf("%s: ONNX Runtime p50 %.2f us, p99 %.2f us over %,d calls%n", model, ns[calls / 2] / 1e3, ns[calls * 99 / 100] / 1e3, calls);
    }
  }
}
