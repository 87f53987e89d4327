#!/usr/bin/env bash
# One batched session on the GPU machine (the lent H100): build, test, measure; everything it
# writes lands in $OUT/session.tar.gz (logs, reports, compare outputs), so one device call does
# the lot. Usage: scripts/gpu-session.sh STAGE...
#   env       print the machine: GPU, driver, compilers, LibTorch
#   build     configure and build build-gpu (CUDA on, sm_90)
#   test      ctest on build-gpu
#   selftest  the standalone CUDA core self-test (no torch)
#   sweep     fa-sweep configs/article.json, eager and graph  -> article.json
#   compare   fa-compare on article.json (e2e, kernel, host)  -> compare-*.md, compare.html
#   nsys      scripts/nsys-profile.sh on one small and one large case (needs .nsysdeps carried)
#   sass      the SASS instruction mix of the core (HMMA, MUFU.EX2, no LDL/STL) -> sass.txt
#   kernel    the core against LibTorch's SDPA kernels: configs/kernel-*.json -> kernel-*.json
#   sanitize  compute-sanitizer memcheck, racecheck, initcheck, synccheck on the self-test
#   python    scripts/py-session.sh: the Python layers over the same core -> python/
set -uo pipefail
source "$(dirname "$0")/lib/setup.sh"
cd "$FA_ROOT"
out_root=${OUT:-/tmp/fa-out}
work="$out_root/session"
mkdir -p "$work"
trap 'tar -C "$out_root" -czf "$out_root/session.tar.gz" session && rm -rf "$work"' EXIT
build_dir=build-gpu
status=0

run_stage() {
  local name=$1
  shift
  log "stage $name"
  local start=$SECONDS
  if "$@" >"$work/$name.log" 2>&1; then
    log "stage $name: ok ($((SECONDS - start)) s)"
  else
    log "stage $name: FAILED ($((SECONDS - start)) s); last lines:"
    tail -n 40 "$work/$name.log" >&2
    status=1
  fi
}

stage_env() {
  nvidia-smi
  nvidia-smi --query-gpu=name,clocks.sm,clocks.max.sm,clocks.mem,power.draw,temperature.gpu \
    --format=csv
  uname -a
  command -v g++ c++ cmake nvcc ninja
  g++ --version | head -1
  cmake --version | head -1
  /usr/local/cuda/bin/nvcc --version | tail -2
  python3 -c 'import torch; print("torch", torch.__version__, torch.version.cuda, torch.utils.cmake_prefix_path)'
  dpkg -l | grep -E 'libbenchmark|libgtest|libfmt|nlohmann|cli11' || true
}

stage_build() { FA_JOBS=16 configure_and_build "$build_dir" -DCMAKE_CUDA_ARCHITECTURES=90; }

stage_test() {
  ctest --test-dir "$build_dir" --output-on-failure -j 4 --timeout 600
}

stage_selftest() {
  /usr/local/cuda/bin/nvcc -std=c++17 -O3 -arch=sm_90 --expt-relaxed-constexpr -lineinfo \
    -I kernels -o "$build_dir/core_cuda_selftest" tests/kernels/core_cuda_selftest.cu \
    kernels/core/attention_fwd_cuda.cu kernels/core/empty_kernel.cu &&
    "$build_dir/core_cuda_selftest"
}

stage_sweep() {
  "$build_dir/harness/sweep/fa-sweep" --config configs/article.json --mode both \
    --out "$work/article.json"
}

stage_compare() {
  local compare="$build_dir/harness/compare/fa-compare"
  for metric in e2e kernel host; do
    "$compare" "$work/article.json" --baseline v2.6.3 --contender v2.7.0 --metric "$metric" \
      --format markdown >"$work/compare-$metric.md"
  done
  "$compare" "$work/article.json" --baseline v2.6.3 --contender v2.7.0 --metric e2e \
    --html "$work/compare.html" --format table
}

stage_nsys() {
  source .nsysdeps/nsys-env.sh
  scripts/nsys-profile.sh "$build_dir" "b:2/s:50/" "$work/nsys-small.txt"
  scripts/nsys-profile.sh "$build_dir" "b:512/s:300/" "$work/nsys-large.txt"
}

stage_sass() {
  local lib="$build_dir/kernels/libfa_core_cuda.a"
  cuobjdump --dump-resource-usage "$lib" | grep -E 'Function|REG|STACK' >"$work/sass.txt"
  echo >>"$work/sass.txt"
  echo "# instruction counts per kernel (cuobjdump --dump-sass $lib)" >>"$work/sass.txt"
  cuobjdump --dump-sass "$lib" | awk '/Function :/ {name=$3} \
    /HMMA|MUFU.EX2|LDL|STL|LDSM|LDGSTS|BAR.SYNC/ {for (i = 1; i <= NF; ++i) \
      if ($i ~ /^(HMMA|MUFU|LDL|STL|LDSM|LDGSTS|BAR)/) {split($i, op, "."); count[name " " op[1]]++; break}} \
    END {for (k in count) print k, count[k]}' | sort >>"$work/sass.txt"
  cat "$work/sass.txt"
}

stage_kernel() {
  local config
  for config in kernel-article kernel-dims-fp16 kernel-dims-bf16; do
    "$build_dir/harness/sweep/fa-sweep" --config "configs/$config.json" \
      --out "$work/$config.json" || return 1
  done
  for sdpa in sdpa-flash sdpa-cudnn; do
    "$build_dir/harness/compare/fa-compare" "$work/kernel-article.json" --baseline "$sdpa" \
      --contender v2.6.3 --metric kernel --format markdown >"$work/compare-kernel-core-vs-$sdpa.md"
  done
}

stage_sanitize() {
  local tool
  for tool in memcheck racecheck initcheck synccheck; do
    echo "== compute-sanitizer --tool $tool"
    timeout 300 compute-sanitizer --tool "$tool" --error-exitcode 1 \
      "$build_dir/core_cuda_selftest" --no-timing | tail -n 5 || return 1
  done
}

stage_python() { scripts/py-session.sh "$work/python"; }

for stage in "$@"; do
  run_stage "$stage" "stage_$stage"
done
exit $status
