#!/usr/bin/env bash
# The dense workloads against this machine's own FMA limit, measured in the same minutes: each round runs
# bench/PeakStudy.java (one core, then two threads at once), then each workload on 1 and on 2 threads, and
# prints the workload's GFLOP/s as a share of the one-core limit, and its two-thread speed-up beside the
# limit's own. Issue 16 states its one-thread targets that way (M1 ≈ 69%, M2 ≈ 61% of one core's limit),
# so they can be checked on a machine that is not the reference one. Usage:
#   bench/peak-vs-bench.sh [rounds] [workloads...]      e.g.  bench/peak-vs-bench.sh 3 fashion-mlp deep-bn
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"; root="$here/.."
rounds=${1:-3}; shift || true
if [ $# -gt 0 ]; then workloads=("$@"); else workloads=(fashion-mlp deep-bn); fi
field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }
for r in $(seq "$rounds"); do
  peak=$(java --add-modules jdk.incubator.vector "$here/PeakStudy.java" 1 2 2>/dev/null | tail -1)
  p1=$(field peak_gflops_1 <<<"$peak"); pr=$(field ratio <<<"$peak")
  echo "round $r: one core's FMA limit $p1 GFLOP/s, two threads ${pr}x"
  for w in "${workloads[@]}"; do
    one=$("$root/nnet" bench "$root/samples/$w.nnet" --threads 1 --warmup 8 --seconds 6 --json 2>/dev/null | tail -1)
    two=$("$root/nnet" bench "$root/samples/$w.nnet" --threads 2 --warmup 8 --seconds 6 --json 2>/dev/null | tail -1)
    s1=$(field train_samples_per_s <<<"$one"); g1=$(field gflops <<<"$one"); s2=$(field train_samples_per_s <<<"$two")
    awk -v w="$w" -v s1="$s1" -v g1="$g1" -v s2="$s2" -v p1="$p1" -v pr="$pr" 'BEGIN {
      printf "  %-12s 1 thread %8.0f samples/s, %5.1f GFLOP/s = %3.0f%% of the limit; 2 threads %8.0f = %.2fx (the limit: %.2fx)\n",
        w, s1, g1, 100 * g1 / p1, s2, s2 / s1, pr }'
  done
done
