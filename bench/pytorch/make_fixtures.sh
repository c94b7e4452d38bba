#!/usr/bin/env bash
# Writes the PyTorch fixtures the test suite compares nnet with (PyTorchFixtureTest), so the tests need no
# PyTorch: a CNN's initial weights as a state_dict .npz and PyTorch 1.13's per-step loss and gradient norm
# over 40 float64 steps on the first Fashion-MNIST images. Needs python3-torch and dataset-fashion-mnist.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/../../generated-tests/src/test/resources/pytorch"
mkdir -p "$out"
/usr/bin/python3 "$here/compare_cnn.py" /usr/share/datasets/fashion-mnist "$out/cnn-init.npz" 40 > "$out/cnn-steps.txt"
echo "wrote $out/cnn-init.npz and $out/cnn-steps.txt"
