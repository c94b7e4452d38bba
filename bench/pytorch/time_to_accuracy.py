# Time to accuracy, PyTorch's side: samples/fashion-mlp.nnet or samples/fashion-cnn.nnet trained in full with
# the same network, optimizer, schedule, stopping rule and data handling as the .nnet file says, timed from
# the start of this process (imports and data loading included, as `time ./nnet train FILE` is). After each
# epoch the test accuracy is measured with the clock stopped, so the script also says when PyTorch first
# reached a given accuracy (nnet's, passed as the third argument).
#
#   OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/pytorch/time_to_accuracy.py mlp 1 0.8958
#   OPENBLAS_NUM_THREADS=2 /usr/bin/python3 bench/pytorch/time_to_accuracy.py cnn 2 0.9256
import time
START = time.time()
import gzip, sys, math
import numpy as np, torch

kind, threads = sys.argv[1], int(sys.argv[2])
target = float(sys.argv[3]) if len(sys.argv) > 3 else None
torch.set_num_threads(threads)
torch.manual_seed(7 if kind == 'mlp' else 1)
d = '/usr/share/datasets/fashion-mnist/'
def imgs(f): return np.frombuffer(gzip.open(d + f).read(), np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255
def labs(f): return np.frombuffer(gzip.open(d + f).read(), np.uint8, offset=8).astype(np.int64)
X, Y = imgs('train-images-idx3-ubyte.gz'), labs('train-labels-idx1-ubyte.gz')
Xt, Yt = imgs('t10k-images-idx3-ubyte.gz'), labs('t10k-labels-idx1-ubyte.gz')
paused = 0.0  # seconds spent measuring test accuracy, taken off the clock

if kind == 'mlp':
    # validation 0.1, preprocess standardize (per pixel, fitted on the training split), batch 64, 40 epochs,
    # adam 1e-3, plateau(val_loss, patience 1, factor 0.3), early stopping (val_loss, patience 5, restore best)
    perm = np.random.RandomState(0).permutation(60000)
    tr, va = perm[:54000], perm[54000:]
    mean, std = X[tr].mean(0), X[tr].std(0)
    std[std == 0] = 1
    norm = lambda a: (a - mean) / std
    Xtr, Ytr = torch.tensor(norm(X[tr])), torch.tensor(Y[tr])
    Xva, Yva = torch.tensor(norm(X[va])), torch.tensor(Y[va])
    Xte, Yte = torch.tensor(norm(Xt)), torch.tensor(Yt)
    nn = torch.nn
    m = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Dropout(0.2), nn.Linear(256, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 10))
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.3, patience=1)
    batch, epochs, patience = 64, 40, 5
else:
    # no validation, batch 128, 15 epochs, adam 2e-3, cosine over 15 epochs (per epoch), augment mirror
    Xtr, Ytr = torch.tensor(X).reshape(-1, 1, 28, 28), torch.tensor(Y)
    Xte, Yte = torch.tensor(Xt).reshape(-1, 1, 28, 28), torch.tensor(Yt)
    Xva = None
    nn = torch.nn
    m = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Flatten(), nn.Dropout(0.3), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.Adam(m.parameters(), lr=2e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=15)
    batch, epochs, patience = 128, 15, None

lf = torch.nn.CrossEntropyLoss()
def evaluate(Xs, Ys):
    m.eval()
    with torch.no_grad():
        loss, correct = 0.0, 0
        for s in range(0, len(Xs), 1000):
            out = m(Xs[s:s + 1000])
            loss += lf(out, Ys[s:s + 1000]).item() * len(out)
            correct += (out.argmax(1) == Ys[s:s + 1000]).sum().item()
    return loss / len(Xs), correct / len(Xs)

best, best_state, stale, reached = math.inf, None, 0, None
n = len(Xtr)
for ep in range(1, epochs + 1):
    m.train()
    p = torch.randperm(n)
    for s in range(n // batch):
        i = p[s * batch:(s + 1) * batch]
        xb = Xtr[i]
        if kind == 'cnn':
            flip = torch.rand(len(i)) < 0.5
            xb = torch.where(flip[:, None, None, None], xb.flip(3), xb)
        opt.zero_grad()
        lf(m(xb), Ytr[i]).backward()
        opt.step()
    if Xva is not None:
        vloss, _ = evaluate(Xva, Yva)
        sched.step(vloss)
        if vloss < best:
            best, stale = vloss, 0
            best_state = {k: v.clone() for k, v in m.state_dict().items()}
        else:
            stale += 1
    else:
        sched.step()
    t0 = time.time()
    _, acc = evaluate(Xte, Yte)
    paused += time.time() - t0
    elapsed = time.time() - START - paused
    if target is not None and reached is None and acc >= target:
        reached = elapsed
    print(f'epoch {ep}: test accuracy {acc:.4f} at {elapsed:.1f} s', flush=True)
    if patience is not None and stale >= patience:
        break

if best_state is not None:
    m.load_state_dict(best_state)
_, acc = evaluate(Xte, Yte)
total = time.time() - START - paused
print(f'final (restored best epoch): test accuracy {acc:.4f}, {total:.1f} s from the process start'
      + (f'; reached {target} at {reached:.1f} s' if reached is not None else (f'; never reached {target}' if target else '')))
