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
#   sanitize  compute-sanitizer memcheck and racecheck on the self-test
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

stage_sanitize() {
  for tool in memcheck racecheck; do
    compute-sanitizer --tool "$tool" --error-exitcode 1 "$build_dir/core_cuda_selftest" --quick
  done
}

for stage in "$@"; do
  run_stage "$stage" "stage_$stage"
done
exit $status
