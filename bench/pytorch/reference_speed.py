# PyTorch's training samples/s on the reference workloads M1-M3 (bench/README.md), one thread, one
# Fashion-MNIST epoch each after a short warm-up. Run: OPENBLAS_NUM_THREADS=1 /usr/bin/python3 reference_speed.py
# (Debian's python3-torch needs libopenblas0-pthread: without it torch falls back to the reference BLAS, ~6 GFLOP/s.)
import gzip, numpy as np, torch, time
torch.set_num_threads(1); torch.manual_seed(7)
d = '/usr/share/datasets/fashion-mnist/'
X = torch.tensor(np.frombuffer(gzip.open(d + 'train-images-idx3-ubyte.gz').read(), np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255)
Y = torch.tensor(np.frombuffer(gzip.open(d + 'train-labels-idx1-ubyte.gz').read(), np.uint8, offset=8).astype(np.int64))
L, R, D = torch.nn.Linear, torch.nn.ReLU, torch.nn.Dropout
def bn_block(i, o): return [L(i, o), torch.nn.BatchNorm1d(o), R(), D(0.3)]
workloads = {
  'M1 fashion-mlp': (lambda: torch.nn.Sequential(L(784, 256), R(), D(0.2), L(256, 128), R(), D(0.2), L(128, 10)), 64,
                     lambda p: torch.optim.Adam(p, lr=1e-3)),
  'M2 deep-bn': (lambda: torch.nn.Sequential(*bn_block(784, 512), *bn_block(512, 512), *bn_block(512, 512), L(512, 10)), 128,
                 lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)),
  'M3 tiny': (lambda: torch.nn.Sequential(L(784, 32), torch.nn.Sigmoid(), L(32, 10)), 16, lambda p: torch.optim.SGD(p, lr=0.1)),
}
lf = torch.nn.CrossEntropyLoss()
for name, (make, b, optim) in workloads.items():
  m = make(); opt = optim(m.parameters()); m.train()
  def step(i):
    opt.zero_grad(); lf(m(X[i]), Y[i]).backward(); opt.step()
  p = torch.randperm(60000)
  for s in range(200): step(p[s * b:(s + 1) * b])          # warm-up
  t0 = time.time(); steps = 60000 // b
  for s in range(steps): step(p[s * b:(s + 1) * b])
  print(f'{name}: {steps * b / (time.time() - t0):,.0f} samples/s', flush=True)
