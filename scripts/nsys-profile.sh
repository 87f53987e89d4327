#!/usr/bin/env bash
# Profiles a short fa-sweep run with Nsight Systems and prints, per NVTX range (the case ranges and
# the dispatch paths' phases: v2.6.3/checks, v2.7.0/prechecks, v2.7.0/dispatch, core/launch) and
# per GPU kernel, where the time went:
#   nsys profile --trace=cuda,nvtx ...  then  nsys stats --report nvtx_sum --report cuda_gpu_kern_sum
#
# Usage: scripts/nsys-profile.sh [BUILD_DIR] [FILTER] [OUTPUT.txt] [-- more fa-sweep flags]
#   BUILD_DIR  where fa-sweep was built (default: build); runs BUILD_DIR/harness/sweep/fa-sweep
#   FILTER     fa-sweep --filter regex (default: 'b:2/s:50/', the study's smallest case)
#   OUTPUT     also write what is printed to this file (e.g. for docs/)
# Environment: FA_NSYS_CONFIG (configs/article.json), FA_NSYS_MODE (both), FA_NSYS_ITERATIONS
# (200 timed calls per repetition), FA_NSYS_REPETITIONS (2), FA_NSYS_OUT (a directory to keep
# the .nsys-rep in; default: a temporary one, removed).
#
# The run is short on purpose: a 0.05 s Google Benchmark run of an empty launch once wrote a
# 1.8 GB trace. fa-sweep runs with --kernel-timing off: Nsight Systems traces the kernels itself,
# and CUPTI serves one client at a time. On the GPU machine nsys needs libdw (../shared/gpu/
# README.md): this script sources .nsysdeps/nsys-env.sh when nsys is not on PATH.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

build_dir=${1:-build}
filter=${2:-b:2/s:50/}
output=${3:-}
extra=()
if [ $# -gt 3 ]; then
  shift 3
  [ "${1:-}" = "--" ] && shift
  extra=("$@")
fi
config=${FA_NSYS_CONFIG:-configs/article.json}
mode=${FA_NSYS_MODE:-both}
iterations=${FA_NSYS_ITERATIONS:-200}
repetitions=${FA_NSYS_REPETITIONS:-2}

sweep="$build_dir/harness/sweep/fa-sweep"
if [ ! -x "$sweep" ]; then
  echo "nsys-profile: $sweep: not found or not executable (build first, or pass BUILD_DIR)" >&2
  exit 2
fi
if ! command -v nsys >/dev/null 2>&1 && [ -f .nsysdeps/nsys-env.sh ]; then
  # shellcheck disable=SC1091
  source .nsysdeps/nsys-env.sh >/dev/null
fi
if ! command -v nsys >/dev/null 2>&1; then
  echo "nsys-profile: nsys not found on PATH (on the GPU machine: source .nsysdeps/nsys-env.sh)" >&2
  exit 2
fi

if [ -n "${FA_NSYS_OUT:-}" ]; then
  workdir=$FA_NSYS_OUT
  mkdir -p "$workdir"
else
  workdir=$(mktemp -d /tmp/fa-nsys.XXXXXX)
  trap 'rm -rf "$workdir"' EXIT
fi
name=$(printf '%s' "$filter" | tr -c 'A-Za-z0-9._-' '_')
report="$workdir/fa-sweep-$name"

command=("$sweep" --config "$config" --filter "$filter" --mode "$mode" --iterations "$iterations"
         --repetitions "$repetitions" --kernel-timing off "${extra[@]}")

{
  echo "# scripts/nsys-profile.sh $build_dir '$filter'"
  echo "# $(nsys --version 2>/dev/null | head -1)"
  if command -v nvidia-smi >/dev/null 2>&1; then
    echo "# GPU: $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1)"
  fi
  echo "# nsys profile --trace=cuda,nvtx --cuda-graph-trace=node --sample=none --cpuctxsw=none \\"
  echo "#   ${command[*]}"
  echo
} | if [ -n "$output" ]; then tee "$output"; else cat; fi

# --cuda-graph-trace=node: graph replays show their kernels, not only the graph launch.
nsys profile --trace=cuda,nvtx --cuda-graph-trace=node --sample=none --cpuctxsw=none \
  --force-overwrite=true --output "$report" "${command[@]}" >"$workdir/fa-sweep.log" 2>&1 || {
  echo "nsys-profile: the profiled run failed; its output:" >&2
  cat "$workdir/fa-sweep.log" >&2
  exit 1
}

{
  nsys stats --force-export=true --report nvtx_sum --report cuda_gpu_kern_sum "$report.nsys-rep" 2>&1
  echo
  echo "# fa-sweep's own summary of the profiled run (timings under the profiler):"
  sed -n '/^fa-sweep summary/,$p' "$workdir/fa-sweep.log"
} | if [ -n "$output" ]; then tee -a "$output"; else cat; fi
[ -n "${FA_NSYS_OUT:-}" ] && echo "report kept: $report.nsys-rep" >&2
exit 0
