#!/usr/bin/env bash
# Sets up everything the main job and the tests need on a Debian machine with Java 17 and Maven:
# the Fashion-MNIST package (when it can be installed) and the build. Safe to run again.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

command -v java >/dev/null || { echo "setup: Java 17 is needed: sudo apt-get install openjdk-17-jdk" >&2; exit 1; }
command -v mvn >/dev/null || { echo "setup: Maven is needed: sudo apt-get install maven" >&2; exit 1; }
major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/ *java.specification.version = //p')
if [ "${major%%.*}" -lt 17 ] 2>/dev/null; then echo "setup: Java 17 or later is needed (found $major)" >&2; exit 1; fi

"$here/scripts/install-data.sh" || true

echo "setup: building nnet (mvn install, tests skipped)..."
(cd "$here" && mvn -q -B -DskipTests install)
echo "setup: done. Try: ./nnet check samples/fashion-mlp.nnet"
