#!/usr/bin/env bash
# Installs Fashion-MNIST (Debian package dataset-fashion-mnist, /usr/share/datasets/fashion-mnist) when
# it is missing and this user can install packages; otherwise says exactly what to run. Exits 1 if the
# data is still missing.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh"
dir=/usr/share/datasets/fashion-mnist
[ -r "$dir/train-images-idx3-ubyte.gz" ] && exit 0
apt_install data dataset-fashion-mnist "Fashion-MNIST (30 MB)" || exit 1
if [ -r "$dir/train-images-idx3-ubyte.gz" ]; then echo "data: Fashion-MNIST is in $dir"; exit 0; fi
echo "data: could not install Fashion-MNIST. Run:  sudo apt-get update && sudo apt-get install dataset-fashion-mnist" >&2
exit 1
