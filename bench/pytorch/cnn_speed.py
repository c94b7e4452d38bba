# PyTorch reference for samples/m5-cnn.nnet (M5): the same CNN, Adam 1e-3, batch 128, one thread.
# Prints per epoch the train loss, test accuracy and training samples/s, then inference samples/s.
# Run: OPENBLAS_NUM_THREADS=1 /usr/bin/python3 cnn_speed.py [epochs] [seed]
# (On AMD machines also unset OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE.)
import gzip, numpy as np, torch, time, sys
torch.set_num_threads(1)
epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 1
torch.manual_seed(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
d = '/usr/share/datasets/fashion-mnist/'
def imgs(f): return np.frombuffer(gzip.open(d + f).read(), np.uint8, offset=16).reshape(-1, 1, 28, 28).astype(np.float32) / 255
def labs(f): return np.frombuffer(gzip.open(d + f).read(), np.uint8, offset=8).astype(np.int64)
X, Y = torch.tensor(imgs('train-images-idx3-ubyte.gz')), torch.tensor(labs('train-labels-idx1-ubyte.gz'))
Xt, Yt = torch.tensor(imgs('t10k-images-idx3-ubyte.gz')), torch.tensor(labs('t10k-labels-idx1-ubyte.gz'))
nn = torch.nn
m = nn.Sequential(
    nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Dropout(0.5), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))
opt = torch.optim.Adam(m.parameters(), lr=1e-3); lf = nn.CrossEntropyLoss()
n, b = 60000, 128
for ep in range(epochs):
    m.train(); p = torch.randperm(n); t0 = time.time(); tot = 0
    for s in range(n // b):
        i = p[s * b:(s + 1) * b]; opt.zero_grad(); l = lf(m(X[i]), Y[i]); l.backward(); opt.step(); tot += l.item()
    dt = time.time() - t0
    m.eval()
    with torch.no_grad(): acc = sum((m(Xt[k:k + 1000]).argmax(1) == Yt[k:k + 1000]).sum().item() for k in range(0, 10000, 1000)) / 10000
    print('epoch', ep + 1, 'loss', round(tot / (n // b), 4), 'test', round(acc, 4), 'train', int((n // b) * b / dt), 'samples/s', flush=True)
m.eval(); t0 = time.time()
with torch.no_grad():
    for k in range(0, 10000, b): m(Xt[k:k + b])
print('inference', int(10000 / (time.time() - t0)), 'samples/s (batch 128)')
