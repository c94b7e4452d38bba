#!/usr/bin/env bash
# Installs Fashion-MNIST (Debian package dataset-fashion-mnist, /usr/share/datasets/fashion-mnist) when
# it is missing and this user can install packages; otherwise says exactly what to run. Exits 1 if the
# data is still missing.
set -uo pipefail
dir=/usr/share/datasets/fashion-mnist
[ -r "$dir/train-images-idx3-ubyte.gz" ] && exit 0

if [ "$(id -u)" = 0 ]; then apt=(apt-get)
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then apt=(sudo -n apt-get)
else
  echo "data: Fashion-MNIST is missing. Install it with:  sudo apt-get install dataset-fashion-mnist" >&2
  exit 1
fi
echo "data: installing Fashion-MNIST (Debian package dataset-fashion-mnist, 30 MB)..."
export DEBIAN_FRONTEND=noninteractive
"${apt[@]}" install -y -qq dataset-fashion-mnist >/dev/null 2>&1 \
  || { "${apt[@]}" update -qq >/dev/null 2>&1 && "${apt[@]}" install -y -qq dataset-fashion-mnist >/dev/null 2>&1; }
if [ -r "$dir/train-images-idx3-ubyte.gz" ]; then echo "data: Fashion-MNIST is in $dir"; exit 0; fi
echo "data: could not install Fashion-MNIST. Run:  sudo apt-get update && sudo apt-get install dataset-fashion-mnist" >&2
exit 1
