# PyTorch reference for samples/tabular.nnet (workload M4): 16-64-64-2 ReLU, Adam, batch 8, one thread,
# random data. Prints training samples/s after a warm-up. Run: /usr/bin/python3 tabular_speed.py
import time, torch
torch.set_num_threads(1); torch.manual_seed(0)
m = torch.nn.Sequential(torch.nn.Linear(16, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
opt = torch.optim.Adam(m.parameters(), lr=1e-3); lf = torch.nn.CrossEntropyLoss()
x = torch.randn(4096, 16); y = torch.randint(0, 2, (4096,))
def run(steps):
    for s in range(steps):
        i = (s * 8) % 4096
        opt.zero_grad(); l = lf(m(x[i:i + 8]), y[i:i + 8]); l.backward(); opt.step()
run(2000)
t = time.time(); n = 20000; run(n); dt = time.time() - t
print(f"train_samples_per_s {n * 8 / dt:.0f}")
