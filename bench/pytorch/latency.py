# PyTorch's one-sample inference latency for M1 (fashion-mlp), M4 (tabular) and M5 (m5-cnn), to set beside
# `nnet bench FILE --latency`: the model in eval mode under torch.no_grad(), one sample (a [1, ...] tensor) a
# call, p50 and p99 over N calls after N warm-up calls, one thread.
# Run: OPENBLAS_NUM_THREADS=1 /usr/bin/python3 latency.py [calls]
import sys, time, torch
torch.set_num_threads(1); torch.manual_seed(1)
calls = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
L, R = torch.nn.Linear, torch.nn.ReLU
def m5():
  C, B, P = torch.nn.Conv2d, torch.nn.BatchNorm2d, torch.nn.MaxPool2d
  return torch.nn.Sequential(C(1, 32, 3, padding=1), B(32), R(), P(2), C(32, 64, 3, padding=1), B(64), R(), P(2),
                             torch.nn.Flatten(), torch.nn.Dropout(0.3), L(64 * 7 * 7, 128), R(), L(128, 10))
workloads = {
  'M1 fashion-mlp': (lambda: torch.nn.Sequential(L(784, 256), R(), torch.nn.Dropout(0.2), L(256, 128), R(), torch.nn.Dropout(0.2), L(128, 10)), (1, 784)),
  'M4 tabular': (lambda: torch.nn.Sequential(L(16, 64), R(), L(64, 64), R(), L(64, 2)), (1, 16)),
  'M5 m5-cnn': (m5, (1, 1, 28, 28)),
}
for name, (make, shape) in workloads.items():
  m = make().eval()
  xs = [torch.randn(*shape) for _ in range(256)]
  n = calls if not name.startswith('M5') else max(1000, calls // 10)
  with torch.no_grad():
    for i in range(n): torch.softmax(m(xs[i % 256]), 1)
    t = []
    for i in range(n):
      t0 = time.perf_counter_ns(); torch.softmax(m(xs[i % 256]), 1); t.append(time.perf_counter_ns() - t0)
  t.sort()
  print(f'{name}: p50 {t[n // 2] / 1e3:.1f} us, p99 {t[n * 99 // 100] / 1e3:.1f} us over {n:,} calls', flush=True)
