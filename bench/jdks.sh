#!/usr/bin/env bash
# JDK 17 against JDK 25 on the dense and CNN workloads, alternating runs in one session so both see the
# same machine state: training samples/s on 1 and 2 threads, compile time and JVM start to the end of the
# first training step (the class cache on, as for a user's second run: each JDK keeps its own entries). Prints one line per run. Usage:
#   bench/jdks.sh [rounds] [workloads...]      e.g.  bench/jdks.sh 2 fashion-mlp deep-bn m5-cnn
# JDK 25 is looked for where Debian's temurin-25-jdk puts it (or in $JDK25).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"; root="$here/.."
rounds=${1:-2}; shift || true
if [ $# -gt 0 ]; then workloads=("$@"); else workloads=(fashion-mlp deep-bn); fi
jdk17=${JDK17:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}
jdk25=${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
[ -x "$jdk25/bin/java" ] || { echo "jdks: no JDK 25 at $jdk25 (set JDK25)" >&2; exit 1; }
jar=$(mktemp --suffix=.jar); cp "$root/cli/target/nnet.jar" "$jar"; trap 'rm -f "$jar"' EXIT
for w in "${workloads[@]}"; do
  for r in $(seq "$rounds"); do
    for threads in 1 2; do
      for jdk in "$jdk17" "$jdk25"; do
        v=$("$jdk/bin/java" -version 2>&1 | head -1 | sed 's/.*version "\([^"]*\)".*/\1/')
        line=$("$jdk/bin/java" --add-modules jdk.incubator.vector -XX:+UseParallelGC -jar "$jar" \
          bench "$root/samples/$w.nnet" --threads "$threads" --warmup 15 --seconds 6 --json 2>/dev/null | tail -1)
        echo "$w round $r threads $threads java $v: $line"
      done
    done
  done
done
