# Trains the Iris network in PyTorch (float64, fixed batch order, StepLR halving per epoch) and prints, per step:
# step, loss, gradient norm, learning rate. compare.sh runs nnet the same way and compares. Needs python3-torch.
# Usage: compare_optimizers.py OPTIMIZER IRIS_CSV INIT_NPZ
import sys, math, numpy as np, torch
torch.set_default_dtype(torch.float64); torch.manual_seed(0)
rows=[l.strip().split(',') for l in open(sys.argv[2]).read().strip().split('\n')[1:]]
names=sorted(set(r[4] for r in rows))
X=torch.tensor(np.array([[float(v) for v in r[:4]] for r in rows],dtype=np.float64)); Y=torch.tensor([names.index(r[4]) for r in rows])
m=torch.nn.Sequential(torch.nn.Linear(4,16),torch.nn.Tanh(),torch.nn.Linear(16,3))
np.savez(sys.argv[3], **{k.replace('0.','dense1.').replace('2.','dense2.'):v.numpy() for k,v in m.state_dict().items()})
kind=sys.argv[1]
opt={'adam':lambda p: torch.optim.Adam(p,lr=0.01),'sgdm':lambda p: torch.optim.SGD(p,lr=0.05,momentum=0.9,nesterov=True),
     'rmsprop':lambda p: torch.optim.RMSprop(p,lr=0.01,alpha=0.99,eps=1e-8),'adamw':lambda p: torch.optim.AdamW(p,lr=0.01,weight_decay=0.1),
     'adagrad':lambda p: torch.optim.Adagrad(p,lr=0.1,eps=1e-8)}[kind]
if kind=='adamw':  # nnet decays weights only, as the notes say: torch needs param groups for that
    o=torch.optim.AdamW([{'params':[m[0].weight,m[2].weight]},{'params':[m[0].bias,m[2].bias],'weight_decay':0}],lr=0.01,weight_decay=0.1)
else: o=opt(m.parameters())
sched=torch.optim.lr_scheduler.StepLR(o, step_size=1, gamma=0.5)  # per epoch
step=0
for ep in range(3):
    for s in range(150//8):
        xb,yb=X[s*8:(s+1)*8],Y[s*8:(s+1)*8]
        o.zero_grad(); l=torch.nn.functional.cross_entropy(m(xb),yb); l.backward()
        gn=math.sqrt(sum((p.grad**2).sum().item() for p in m.parameters()))
        print(step, repr(l.item()), repr(gn), o.param_groups[0]['lr']); o.step(); step+=1
    sched.step()
