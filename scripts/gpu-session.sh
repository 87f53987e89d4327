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
#   tune      the tile-shape bench (tests/kernels/core_cuda_tune.cu): every candidate checked
#             against float64, then timed interleaved -> tune.csv, tune.log; per-candidate SASS
#             opcode counts and resource usage -> tune-sass.txt; Nsight Compute at (512, 300)
#             (executed instructions per opcode, stall reasons) -> tune-ncu.txt
#   kernel    the core against LibTorch's SDPA kernels: configs/kernel-*.json -> kernel-*.json
#   sanitize  compute-sanitizer memcheck, racecheck, initcheck, synccheck on the self-test
#   python    scripts/py-session.sh: the Python layers over the same core -> python/
#   ncu       Nsight Compute sections of the core at (512, 300) and (2, 50), d=16 -> ncu-*.txt
#   sanitize-ctest  compute-sanitizer (memcheck, racecheck, initcheck, synccheck) over the GPU
#             cases of the ctest executables (kernels_tests, sweep_gpu_tests) -> sanitize-*.log
#   sanitize-sweep  fa-sweep (eager, graph, floor; kernel timing off) under each compute-sanitizer
#             tool, and kernels_tests' racecheck without LibTorch's SDPA kernels -> sanitize-*.log
#   sweep-eager  fa-sweep configs/article.json, eager mode only -> article.json
#   pysyscxx  the Python crash's suspected cause: build with the system g++ instead of the image's
#             /opt/gcc, count libstdc++ symbols inside libfa_kernels.so, run tests/python without
#             the preload -> pysyscxx.log
#   pylink    where libstdc++ code inside libfa_kernels.so comes from (static CUDA runtime or
#             not), and whether the d=20 error probe crashes with each -> pylink.txt
#   pyerrors  which C++ errors reach Python through fa_versus_ext, one process each, with a
#             native backtrace (cuda-gdb) of any that crashes -> pyerrors.txt
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

stage_tune() {
  local tune="$build_dir/core_cuda_tune"
  mkdir -p "$build_dir"
  /usr/local/cuda/bin/nvcc -std=c++17 -O3 -arch=sm_90 --expt-relaxed-constexpr -lineinfo \
    -Xptxas -v -I kernels -I tests/kernels -o "$tune" tests/kernels/core_cuda_tune.cu \
    >"$work/tune-build.log" 2>&1 || { tail -n 30 "$work/tune-build.log"; return 1; }
  "$tune" "$work/tune.csv" | tee "$work/tune.log" || return 1
  {
    cuobjdump --dump-resource-usage "$tune" | grep -E 'Function|REG'
    echo "# static SASS opcode counts per kernel (cuobjdump --dump-sass $tune)"
    cuobjdump --dump-sass "$tune" | awk '
      /Function :/ {name = $3}
      /^ *\/\*[0-9a-f]+\*\// {
        line = $0; sub(/^ *\/\*[0-9a-f]+\*\/ */, "", line); split(line, f, " ")
        op = (f[1] ~ /^@/) ? f[2] : f[1]; sub(/;$/, "", op)
        if (op != "") count[name "\t" op]++
      }
      END {for (k in count) print k "\t" count[k]}' | sort
  } >"$work/tune-sass.txt"
  cuobjdump --dump-sass "$tune" | gzip >"$work/tune-sass-full.txt.gz"
  timeout 300 ncu --clock-control none --kernel-name regex:attention_fwd_kernel \
    --section SpeedOfLight --section Occupancy --section LaunchStats --section SchedulerStats \
    --section WarpStateStats --section InstructionStats \
    --metrics "sass__inst_executed_per_opcode,regex:^smsp__average_warps_issue_stalled_.*_per_issue_active\.ratio$" \
    --print-metric-instances values "$tune" --profile >"$work/tune-ncu.txt" 2>&1 ||
    { tail -n 20 "$work/tune-ncu.txt"; return 1; }
  grep -E 'attention_fwd_kernel|Duration|Issued Instructions  |Registers Per|Achieved Active|Issue Slots Busy' \
    "$work/tune-ncu.txt"
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

stage_ncu() {
  local shape
  for shape in b:512/s:300 b:2/s:50; do
    local name=ncu-$(printf '%s' "$shape" | tr -c 'A-Za-z0-9' '_')
    timeout 240 ncu --clock-control none --kernel-name regex:attention_fwd_kernel --launch-count 1 \
      --section SpeedOfLight --section Occupancy --section LaunchStats --section WarpStateStats \
      --section SchedulerStats --section ComputeWorkloadAnalysis --section InstructionStats \
      --section MemoryWorkloadAnalysis \
      "$build_dir/harness/sweep/fa-sweep" --config configs/article.json --mode eager \
      --filter "fwd/v2.6.3/$shape/" --iterations 1 --repetitions 1 --kernel-timing off \
      >"$work/$name.txt" 2>&1 || return 1
  done
}

# How many libstdc++ functions BUILD_DIR's libfa_kernels.so defines itself (0 when it shares the
# process's libstdc++, as it should).
private_libstdcxx_symbols() {
  echo "libstdc++ symbols defined in libfa_kernels.so: $(nm -C "$1/kernels/libfa_kernels.so" |
    grep -cE ' [TtWw] std::(codecvt|locale|basic_ostream)')"
}

pylink_probe() {
  cat >/tmp/probe_d20.py <<'PY'
import faulthandler, torch
faulthandler.enable()
from fa_versus import _ext
ext = _ext.load_extension()
q = torch.randn(2, 37, 4, 20, dtype=torch.float16)
try:
    ext.fwd_op_kernel(q, q, q, None, None, 0.0, 0.2, False, -1, -1, 0.0, False, None)
except RuntimeError as error:
    print("d20 probe: raised", str(error).splitlines()[0])
PY
  FA_VERSUS_EXT_DIR="$FA_ROOT/$1/python" PYTHONPATH="$FA_ROOT/python" python3 /tmp/probe_d20.py 2>&1 |
    grep -E 'probe|Segmentation' || true
}

stage_pylink() {
  local dir
  for dir in "$build_dir" "$build_dir-shared-cudart"; do
    echo "== $dir"
    if [ "$dir" != "$build_dir" ]; then
      FA_JOBS=16 configure_and_build "$dir" -DCMAKE_CUDA_ARCHITECTURES=90 \
        -DCMAKE_CUDA_RUNTIME_LIBRARY=Shared -DFA_BUILD_TESTS=OFF >/dev/null 2>&1 || return 1
    fi
    grep -A4 'build kernels/libfa_kernels.so' "$dir/build.ninja" | grep -E 'LINK_LIBRARIES|LINK_FLAGS'
    private_libstdcxx_symbols "$dir"
    nm -C "$dir/kernels/libfa_kernels.so" | grep -E ' [TtWw] std::(codecvt|locale)' | head -5
    pylink_probe "$dir"
    echo "with LD_PRELOAD of the system libstdc++:"
    LD_PRELOAD=/lib/x86_64-linux-gnu/libstdc++.so.6 pylink_probe "$dir"
  done
  FA_VERSUS_EXT_DIR="$FA_ROOT/$build_dir-shared-cudart/python" PYTHONPATH="$FA_ROOT/python" \
    FA_VERSUS_REQUIRE_EXT=1 timeout 200 python3 -m pytest -q -rs -p no:cacheprovider tests/python 2>&1 |
    tail -n 15
}

# Which archive of fa_kernels' link line brings libstdc++ object code (std::locale::id::_M_id).
stage_linkline() {
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 \
    "-DCMAKE_PREFIX_PATH=$(python_torch_prefix)" >"$work/linkline-configure.log" 2>&1 || tail "$work/linkline-configure.log"
  awk '/^build kernels\/libfa_kernels.so/ {p = 1} p && /LINK_LIBRARIES|LINK_FLAGS/ {print} \
    p && /^$/ {exit}' "$build_dir/build.ninja"
  grep -hE 'CMAKE_CUDA_IMPLICIT_LINK_(LIBRARIES|DIRECTORIES)|CMAKE_CUDA_RUNTIME_LIBRARY_DEFAULT' \
    "$build_dir"/CMakeFiles/*/CMakeCUDACompiler.cmake
  local archive
  for archive in $(awk '/^build kernels\/libfa_kernels.so/ {p = 1} p && /LINK_LIBRARIES/ {print; exit}' \
      "$build_dir/build.ninja" | grep -oE '[^ ,"]+\.a'); do
    [ -f "$archive" ] || archive="$build_dir/$archive"
    echo "$archive: $(nm -C "$archive" 2>/dev/null | grep -c ' T std::locale::id::_M_id')"
  done
  ls -la /usr/lib/gcc/x86_64-linux-gnu/*/libstdc++.* 2>/dev/null
}

# sanitized LOG TOOL SECONDS COMMAND...: COMMAND under compute-sanitizer's TOOL, its output in
# LOG; prints the gtest and sanitizer summary lines and the exit status, and returns that status.
sanitized() {
  local log=$1 tool=$2 seconds=$3
  shift 3
  timeout "$seconds" compute-sanitizer --tool "$tool" --error-exitcode 1 "$@" >"$log" 2>&1
  local rc=$?
  grep -E '^\[  (PASSED|FAILED|SKIPPED) |SUMMARY|tests ran' "$log" | tail -n 6
  echo "exit $rc"
  return $rc
}

# kernels_tests' GPU cases for the sanitizer runs: shape, dispatch, bad-input, registered-op and
# SDPA tests plus the accuracy grid at seqlen 257 (every head_dim and dtype, causal or not).
kernels_gpu_filter='CoreAccuracyShapes.*:DispatchPaths.*:BothPaths/BadInputs.*:RegisteredOp.*:ReferenceVariants.*:Grid/CoreAccuracy.*_s257*'

# The GPU cases of the ctest executables (FA_TEST_DEVICES=cuda leaves their CPU runs out) under
# each compute-sanitizer tool: kernels_tests with $kernels_gpu_filter, and sweep_gpu_tests (CUPTI
# timing through fa-sweep's code). Every run happens even after a failure.
stage_sanitize_ctest() {
  local tool binary filter failed=0
  for binary in kernels/kernels_tests sweep/sweep_gpu_tests; do
    filter='*'
    [ "$binary" = kernels/kernels_tests ] && filter=$kernels_gpu_filter
    for tool in memcheck racecheck initcheck synccheck; do
      echo "== compute-sanitizer --tool $tool $binary --gtest_filter=$filter"
      FA_TEST_DEVICES=cuda sanitized "$work/sanitize-$tool-${binary##*/}.log" "$tool" 60 \
        "$build_dir/tests/$binary" --gtest_filter="$filter" || failed=1
    done
  done
  return $failed
}

# fa-sweep itself on the GPU under each compute-sanitizer tool (eager and graph mode, the floor
# kernel): the harness path that sweep_gpu_tests covers, whose CUPTI timing cannot run beside the
# sanitizer (CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED), so kernel timing is off here; and
# kernels_tests' racecheck again without LibTorch's own SDPA kernels (ReferenceVariants).
stage_sanitize_sweep() {
  local tool failed=0
  for tool in memcheck racecheck initcheck synccheck; do
    echo "== compute-sanitizer --tool $tool fa-sweep (b:2/s:50 and b:32/s:300, eager + graph)"
    sanitized "$work/sanitize-sweep-$tool.log" "$tool" 100 \
      "$build_dir/harness/sweep/fa-sweep" --config configs/article.json --mode both \
      --filter '/b:(2/s:50|32/s:300)/' --kernel-timing off --repetitions 1 --iterations 3 \
      --out "$work/sanitize-sweep-$tool.json" || failed=1
  done
  echo "== compute-sanitizer --tool racecheck kernels_tests, without ReferenceVariants"
  FA_TEST_DEVICES=cuda sanitized "$work/sanitize-racecheck-kernels_tests-core.log" racecheck 60 \
    "$build_dir/tests/kernels/kernels_tests" \
    --gtest_filter="$kernels_gpu_filter-ReferenceVariants.*" || failed=1
  return $failed
}

# The study's grid in eager mode only (the CUDA-graph half takes as long again).
stage_sweep_eager() {
  "$build_dir/harness/sweep/fa-sweep" --config configs/article.json --mode eager \
    --out "$work/article.json"
}

stage_pysyscxx() {
  local dir="$build_dir-syscxx"
  CC=/usr/bin/gcc CXX=/usr/bin/g++ CUDAHOSTCXX=/usr/bin/g++ FA_JOBS=16 configure_and_build "$dir" \
    -DCMAKE_CUDA_ARCHITECTURES=90 -DFA_BUILD_TESTS=OFF >"$work/pysyscxx-build.log" 2>&1 || {
    tail -n 30 "$work/pysyscxx-build.log"
    return 1
  }
  grep -E 'compiler identification|Check for working CXX|CUDA host compiler' "$dir.configure.log"
  private_libstdcxx_symbols "$dir"
  FA_VERSUS_EXT_DIR="$FA_ROOT/$dir/python" PYTHONPATH="$FA_ROOT/python" FA_VERSUS_REQUIRE_EXT=1 \
    timeout 200 python3 -m pytest -q -rs -p no:cacheprovider tests/python 2>&1 | tail -n 5
}

stage_pyerrors() {
  local python=python3
  export FA_VERSUS_EXT_DIR="$FA_ROOT/$build_dir/python" PYTHONPATH="$FA_ROOT/python"
  cmake --build "$build_dir" --target fa_versus_ext -j 16 -v 2>&1 | grep -o 'PYBIND11_[A-Z_]*=[^ ]*' |
    sort -u >"$work/pyerrors.txt"
  "$python" -c 'import torch; print({n: getattr(torch._C, n, None) for n in
    ("_PYBIND11_COMPILER_TYPE", "_PYBIND11_STDLIB", "_PYBIND11_BUILD_ABI")})' >>"$work/pyerrors.txt"
  local probe
  for probe in fwd_fp32 fwd_op_kernel_d20 cpp_variant_fp32 torch_error; do
    cat >/tmp/probe.py <<PY
import faulthandler, torch
faulthandler.enable()
from fa_versus import _ext
ext = _ext.load_extension()
q = torch.randn(2, 37, 4, 20, dtype=torch.float16)
try:
    if "$probe" == "fwd_fp32":
        ext.fwd(q.float(), q.float(), q.float(), None, None, 0.0, 0.2, False, -1, -1, 0.0, False, None)
    elif "$probe" == "fwd_op_kernel_d20":
        ext.fwd_op_kernel(q, q, q, None, None, 0.0, 0.2, False, -1, -1, 0.0, False, None)
    elif "$probe" == "cpp_variant_fp32":
        ext.cpp_variant_forward("v2.6.3", q.float(), q.float(), q.float(), 0.2, False)
    else:
        torch.ones(3) + torch.ones(4)
except Exception as error:
    print("$probe: raised", type(error).__name__, str(error).splitlines()[0])
PY
    echo "== $probe" >>"$work/pyerrors.txt"
    "$python" /tmp/probe.py >>"$work/pyerrors.txt" 2>&1 || {
      echo "$probe: exit $?; native backtrace:" >>"$work/pyerrors.txt"
      timeout 120 cuda-gdb -batch -ex run -ex bt -ex 'info sharedlibrary' --args "$python" \
        /tmp/probe.py 2>&1 | grep -v '^\[New Thread\|^\[Thread' | head -120 >>"$work/pyerrors.txt"
    }
  done
  cat "$work/pyerrors.txt"
}

for stage in "$@"; do
  run_stage "$stage" "stage_${stage//-/_}"
done
exit $status
