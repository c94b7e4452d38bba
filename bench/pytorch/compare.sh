#!/usr/bin/env bash
# Compares nnet with PyTorch number by number: the same initial weights (exported from PyTorch as a
# state_dict .npz), the same batches in file order, float64, a per-epoch step schedule, every optimizer.
# Needs Debian's python3-torch (sudo apt-get install python3-torch). Prints the largest relative
# difference of the per-step loss and gradient norm for each optimizer, then for a CNN (conv, batchnorm,
# maxpool, avgpool, a projection residual) on the first Fashion-MNIST images.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"; root="$here/../.."
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
py=/usr/bin/python3
"$py" -c "import torch" 2>/dev/null || { echo "compare: PyTorch is missing: sudo apt-get install python3-torch" >&2; exit 1; }
# prints the largest relative difference of the per-step loss and gradient norm between torch.txt and nnet.txt
report() {
  "$py" - "$1" "$work/torch.txt" "$work/nnet.txt" <<'PY'
import json, sys
name, t, n = sys.argv[1], [l.split() for l in open(sys.argv[2])], [json.loads(l) for l in open(sys.argv[3])]
assert len(t) == len(n), (len(t), len(n))
loss = max(abs(float(a[1]) - b['loss']) / abs(float(a[1])) for a, b in zip(t, n))
norm = max(abs(float(a[2]) - b['grad_norm']) / abs(float(a[2])) for a, b in zip(t, n))
print(f"{name:8s} {len(n)} steps: largest relative difference: loss {loss:.1e}, grad_norm {norm:.1e}")
PY
}
for pair in "adam|adam(lr: 0.01)" "sgdm|sgd(lr: 0.05, momentum: 0.9, nesterov: true)" "rmsprop|rmsprop(lr: 0.01)" \
            "adamw|adamw(lr: 0.01, weight_decay: 0.1)" "adagrad|adagrad(lr: 0.1)"; do
  name=${pair%%|*}; opt=${pair#*|}
  "$py" "$here/compare_optimizers.py" "$name" "$root/samples/data/iris.csv" "$work/init.npz" > "$work/torch.txt"
  cat > "$work/run.nnet" <<NNET
input [4]
network {
  dense(16) -> tanh
  dense(3)
}
loss softmax_cross_entropy
precision float64
training {
  batch 8
  epochs 3
  shuffle false
  optimizer $opt
  schedule step(every: 1, gamma: 0.5)
}
data {
  train csv("$root/samples/data/iris.csv", label: "species")
}
NNET
  "$root/nnet" train "$work/run.nnet" --init-weights "$work/init.npz" --log-every 1 --json --overwrite -o "$work/run.ckpt" 2>/dev/null \
    | grep '"event":"step"' > "$work/nnet.txt"
  report "$name"
done

# A CNN on real images (the network of generated-tests/src/test/resources/pytorch/cnn.nnet): Fashion-MNIST
# (dataset-fashion-mnist) in file order, float64 from the bytes on
fashion=/usr/share/datasets/fashion-mnist
if [ -r "$fashion/train-images-idx3-ubyte.gz" ]; then
  "$py" "$here/compare_cnn.py" "$fashion" "$work/cnn.npz" 40 > "$work/torch.txt"
  "$root/nnet" train "$root/generated-tests/src/test/resources/pytorch/cnn.nnet" --init-weights "$work/cnn.npz" --steps 40 --log-every 1 --json -o "$work/cnn.ckpt" 2>/dev/null \
    | grep '"event":"step"' > "$work/nnet.txt"
  report cnn
else
  echo "cnn: skipped, Fashion-MNIST is not installed (sudo apt-get install dataset-fashion-mnist)"
fi
