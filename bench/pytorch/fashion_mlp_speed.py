# PyTorch reference for samples/fashion-mlp.nnet: the same network, Adam, batch 64, 5 epochs, one thread.
# Prints train loss, test accuracy and samples/s per epoch. Run: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 fashion_mlp_speed.py [seed]
import gzip, numpy as np, torch, time, sys
torch.set_num_threads(1); torch.manual_seed(int(sys.argv[1]) if len(sys.argv)>1 else 7)
d='/usr/share/datasets/fashion-mnist/'
def imgs(f): return np.frombuffer(gzip.open(d+f).read(), np.uint8, offset=16).reshape(-1,784).astype(np.float32)/255
def labs(f): return np.frombuffer(gzip.open(d+f).read(), np.uint8, offset=8).astype(np.int64)
X,Y=imgs('train-images-idx3-ubyte.gz'),labs('train-labels-idx1-ubyte.gz'); Xt,Yt=imgs('t10k-images-idx3-ubyte.gz'),labs('t10k-labels-idx1-ubyte.gz')
perm=np.random.RandomState(0).permutation(60000); tr=perm[:54000]
X,Y=torch.tensor(X[tr]),torch.tensor(Y[tr]); Xt,Yt=torch.tensor(Xt),torch.tensor(Yt)
m=torch.nn.Sequential(torch.nn.Linear(784,256),torch.nn.ReLU(),torch.nn.Dropout(0.2),torch.nn.Linear(256,128),torch.nn.ReLU(),torch.nn.Dropout(0.2),torch.nn.Linear(128,10))
if len(sys.argv)>2 and sys.argv[2]=='he':
    for l in m:
        if isinstance(l, torch.nn.Linear): torch.nn.init.zeros_(l.bias)
    torch.nn.init.kaiming_normal_(m[0].weight); torch.nn.init.kaiming_normal_(m[3].weight); torch.nn.init.xavier_uniform_(m[6].weight)
opt=torch.optim.Adam(m.parameters(),lr=1e-3); lf=torch.nn.CrossEntropyLoss()
for ep in range(5):
    m.train(); p=torch.randperm(54000); t0=time.time(); tot=0
    for s in range(54000//64):
        i=p[s*64:(s+1)*64]; opt.zero_grad(); l=lf(m(X[i]),Y[i]); l.backward(); opt.step(); tot+=l.item()
    m.eval()
    with torch.no_grad(): acc=(m(Xt).argmax(1)==Yt).float().mean().item()
    print(ep+1, round(tot/(54000//64),4), 'test', round(acc,4), int(54000/(time.time()-t0)), 'samples/s', flush=True)
