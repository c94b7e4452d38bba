# Trains a small CNN in PyTorch (float64, the first Fashion-MNIST images in file order, batch 16, Adam) and
# prints, per step: step, loss, gradient norm. compare.sh trains generated-tests/src/test/resources/pytorch/cnn.nnet
# the same way and compares; make_fixtures.sh keeps the output for PyTorchFixtureTest. The network has conv, per-channel batchnorm, maxpool, avgpool and a residual block with a 1x1
# projection shortcut of stride 2; its initial weights are saved as a state_dict .npz for nnet's --init-weights.
# Usage: compare_cnn.py FASHION_DIR INIT_NPZ STEPS
import sys, gzip, math, numpy as np, torch
torch.set_default_dtype(torch.float64); torch.manual_seed(0)
d, init, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
n = steps * 16
X = torch.tensor(np.frombuffer(gzip.open(d + '/train-images-idx3-ubyte.gz').read(), np.uint8, offset=16)[:n * 784]
                 .reshape(n, 1, 28, 28).astype(np.float64) / 255)
Y = torch.tensor(np.frombuffer(gzip.open(d + '/train-labels-idx1-ubyte.gz').read(), np.uint8, offset=8)[:n].astype(np.int64))
nn = torch.nn

class Shortcut(nn.Module):
    def __init__(self):
        super().__init__(); self.shortcut = nn.Conv2d(8, 16, 1, stride=2, bias=False)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1); self.batchnorm1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, 3, stride=2, padding=1); self.batchnorm2 = nn.BatchNorm2d(16)
        self.conv3 = nn.Conv2d(16, 16, 3, padding=1); self.residual1 = Shortcut()
        self.dense1 = nn.Linear(16 * 6 * 6, 10)
        self.pool = nn.MaxPool2d(2); self.avg = nn.AvgPool2d(2, stride=1)
    def forward(self, x):
        x = self.pool(torch.relu(self.batchnorm1(self.conv1(x))))
        body = self.conv3(torch.relu(self.batchnorm2(self.conv2(x))))
        x = torch.relu(body + self.residual1.shortcut(x))
        return self.dense1(torch.flatten(self.avg(x), 1))

m = Net()
np.savez(init, **{k: v.numpy() for k, v in m.state_dict().items() if not k.endswith('num_batches_tracked')})
o = torch.optim.Adam(m.parameters(), lr=0.01)
for s in range(steps):
    xb, yb = X[s * 16:(s + 1) * 16], Y[s * 16:(s + 1) * 16]
    o.zero_grad(); l = nn.functional.cross_entropy(m(xb), yb); l.backward()
    gn = math.sqrt(sum((p.grad ** 2).sum().item() for p in m.parameters()))
    print(s, repr(l.item()), repr(gn)); o.step()
