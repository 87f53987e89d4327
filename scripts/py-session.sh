#!/usr/bin/env bash
# The Python-layer session on the GPU machine, after the main build (build-gpu, configured with
# Python's torch as LibTorch, e.g. by `scripts/gpu-session.sh build`): builds fa_versus_ext, runs
# tests/python, sweeps configs/article.json with the Python layers (eager, then with
# torch.compile) and compares the variants. Everything lands in OUT_DIR.
#
#   scripts/py-session.sh OUT_DIR
#
# About 5 minutes on the H100 with these defaults (env to change them):
#   FA_BUILD_DIR=build-gpu   PY_SWEEP_REPETITIONS=10   PY_SWEEP_MIN_TIME=0.05 (s per repetition)
#   PY_SWEEP_COMPILE_MIN_TIME=0.03   PY_SWEEP_CONFIG=configs/article.json
# The sweeps use shorter timed loops than fa-sweep's default (min_time_s 0.2): 10 repetitions of
# 0.05 s give several hundred calls per repetition at the small shapes where the difference lives.
#
# OUT_DIR gets: env.txt, build.log, pytest.log (+ pytest.xml), py-article.json (py-v2.6.3,
# py-v2.7.0), py-article-compile.json (+ py-v2.7.0-compile), their sweep logs (summary tables),
# and with fa-compare built: compare-*.md.
set -uo pipefail
source "$(dirname "$0")/lib/setup.sh"
root=$FA_ROOT
cd "$root" || exit 2
out=${1:?usage: scripts/py-session.sh OUT_DIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
build_dir=${FA_BUILD_DIR:-build-gpu}
python=${FA_PYTHON:-python3}
config=${PY_SWEEP_CONFIG:-configs/article.json}
repetitions=${PY_SWEEP_REPETITIONS:-10}
min_time=${PY_SWEEP_MIN_TIME:-0.05}
compile_min_time=${PY_SWEEP_COMPILE_MIN_TIME:-0.03}
export PYTHONUNBUFFERED=1
export FA_VERSUS_EXT_DIR="$root/$build_dir/python"
export PYTHONPATH="$root/python${PYTHONPATH:+:$PYTHONPATH}"
status=0

log() { printf '\033[1m[py-session]\033[0m %s\n' "$*" >&2; }

# step NAME COMMAND...: output to $out/NAME.log; the log's tail on failure.
step() {
  local name=$1
  shift
  log "$name"
  local start=$SECONDS
  if "$@" >"$out/$name.log" 2>&1; then
    log "$name: ok ($((SECONDS - start)) s)"
    return 0
  fi
  log "$name: FAILED ($((SECONDS - start)) s); last lines of $name.log:"
  tail -n 30 "$out/$name.log" >&2
  status=1
  return 1
}

env_info() {
  "$python" - <<'PY'
import os, sys, sysconfig
import torch
print("python", sys.executable, sys.version.split()[0])
print("torch", torch.__version__, "cuda", torch.version.cuda, "gpu", torch.cuda.is_available())
if torch.cuda.is_available():
    print("device", torch.cuda.get_device_name(0))
include = sysconfig.get_paths()["include"]
print("Python.h", include, os.path.exists(os.path.join(include, "Python.h")))
print("cmake_prefix_path", torch.utils.cmake_prefix_path)
PY
  nvidia-smi -L || true
  cmake --version | head -1
}

# The project's configure (scripts/lib/setup.sh: it also picks the compiler whose libstdc++ is
# the one torch loads), with this Python for the extension.
build_extension() {
  configure "$build_dir" "-DFA_PYTHON_EXECUTABLE=$(command -v "$python")" || return 1
  cp "$build_dir.configure.log" "$out/configure.log"
  if ! grep -q 'Python extension fa_versus_ext ON' "$out/configure.log"; then
    echo "fa_versus_ext is not configured: see the 'fa-versus: Python extension' line in" \
         "configure.log; no such line means add_subdirectory(python) is missing from CMakeLists.txt"
    return 1
  fi
  cmake --build "$build_dir" --target fa_versus_ext -j "${FA_JOBS:-16}"
}

# sweep TIMEOUT_S REPORT [py-sweep flags...]
sweep() {
  local limit=$1 report=$2
  shift 2
  timeout "$limit" "$python" scripts/py-sweep.py --config "$config" \
    --repetitions "$repetitions" --out "$out/$report" "$@"
}

compare() {
  local fa_compare="$build_dir/harness/compare/fa-compare"
  if [ ! -x "$fa_compare" ]; then
    echo "no $fa_compare: build it (cmake --build $build_dir --target fa-compare) to compare"
    return 0
  fi
  local metric
  for metric in e2e kernel host overhead; do
    "$fa_compare" "$out/py-article.json" --baseline py-v2.6.3 --contender py-v2.7.0 \
      --metric "$metric" --format markdown >"$out/compare-py-v2.7.0-vs-py-v2.6.3-$metric.md" ||
      echo "fa-compare --metric $metric: exit $?"
  done
  if [ -f "$out/py-article-compile.json" ]; then
    local baseline
    for baseline in py-v2.7.0 py-v2.6.3; do
      "$fa_compare" "$out/py-article-compile.json" --baseline "$baseline" \
        --contender py-v2.7.0-compile --metric e2e --format markdown \
        >"$out/compare-py-v2.7.0-compile-vs-$baseline-e2e.md" ||
        echo "fa-compare py-v2.7.0-compile vs $baseline: exit $?"
    done
  fi
  "$fa_compare" "$out/py-article.json" --baseline py-v2.6.3 --contender py-v2.7.0 --metric e2e \
    --format table
}

step env env_info
step build build_extension || { log "no extension, stopping"; exit 1; }
step pytest env FA_VERSUS_REQUIRE_EXT=1 timeout 300 "$python" -m pytest -q -rs -p no:cacheprovider \
  tests/python --junitxml "$out/pytest.xml"
step sweep-eager sweep 240 py-article.json --min-time "$min_time"
step sweep-compile sweep 300 py-article-compile.json --compile --min-time "$compile_min_time"
step compare compare
log "results in $out"
exit $status
