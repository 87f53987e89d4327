#!/usr/bin/env bash
# One batched session on the GPU machine (the lent H200): build, test, measure. Each stage's log
# lands in $OUT/session.tar.gz; the stages that make many files (ab-*, phases, nsys-phases) pack
# their folder into one $OUT/<stage>.tar.gz of its own (the device returns at most 8 files), to be
# unpacked under results/h200/. Usage: scripts/gpu-session.sh STAGE... (aa takes a number: aa 1)
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
#             (executed instructions per opcode, stall reasons, pipe utilisation) -> tune-ncu.txt
#   kernel    the core against LibTorch's SDPA kernels: configs/kernel-*.json -> kernel-*.json
#   sanitize  compute-sanitizer memcheck, racecheck, initcheck, synccheck on the self-test
#   python    scripts/py-session.sh: the Python layers over the same core -> python/
#   ncu       Nsight Compute sections of the core at (512, 300) and (2, 50), d=16 -> ncu-*.txt
#   sanitize-ctest  compute-sanitizer (memcheck, racecheck, initcheck, synccheck) over the GPU
#             cases of the ctest executables (kernels_tests, sweep_gpu_tests) -> sanitize-*.log
#   sanitize-sweep  fa-sweep (eager, graph, floor; kernel timing off) under each compute-sanitizer
#             tool, and kernels_tests' racecheck without LibTorch's SDPA kernels -> sanitize-*.log
#   sweep-eager  fa-sweep configs/article.json, eager mode only -> article.json
#   pytest    issue 14.1 on its own: configure (the compiler line), build fa_kernels and
#             fa_versus_ext, ctest kernels_library_defines_no_libstdcxx and python_layers (no
#             libstdc++ preload anywhere)
#   ab-build  the builds the A/B stages use (the aa and control stages run it themselves):
#             build-gpu's fa-sweep and fa-compare, a second build of the same tree in
#             build-gpu-aa (fa-sweep only), all 16 cores
#   aa N      an A/A of configs/article.json --mode eager (FA_AB_GRID: other fa-sweep flags),
#             build-gpu against build-gpu-aa, through scripts/ab (FA_AB_ROUNDS rounds, default
#             12; FA_AB_TIME_LIMIT: seconds for the rounds; docs/ab.md has the times), plus the
#             old single-report fa-compare of each round's pair (single-<ii>.*)
#             -> $OUT/ab-aa-N.tar.gz (ab/aa-N/)
#   control   the positive control: build-gpu against a copy of the tree with
#             scripts/ab-control.patch applied (build-gpu-control), same grid and rounds; its
#             fa-compare --fail-on regression must exit 1 -> $OUT/ab-control.tar.gz (ab/control/)
#   phases    fa-sweep's phase pass (--phase-samples) on the article grid at (2, 50), (32, 150),
#             (512, 300), eager -> $OUT/phases.tar.gz (phases/)
#   phase-cost  rounds of fa-sweep without and with the phase pass at the phase shapes, and
#             fa-compare over them (e2e, host): the pass must not change the timed numbers
#             -> $OUT/phase-cost.tar.gz (phase-cost/)
#   py-phases py-sweep's phase pass (both Python layers) at the phase shapes
#             -> $OUT/py-phases.tar.gz (py-phases/)
#   py-warmup issue 14.2: py-sweep --config configs/article.json --filter
#             'b:(2|32|512)/s:(50|300)/' --repetitions 5 with the steady-state prime and the
#             re-run of the first case; prints the prime and first case vs re-run (estimated
#             60 s once fa_versus_ext is built) -> $OUT/py-warmup.tar.gz (py-warmup/)
#   py-drift  issue 14.2's open question, does the long runs' drift follow where the Python thread
#             runs: the eager article grid (part 2's command) once per entry of FA_DRIFT_CPUS
#             (default '- 2 - 9': '-' unpinned, N pinned with taskset -c N), in that order, then
#             scripts/lib/drift_summary.py over the reports (about 115 s a run)
#             -> $OUT/py-drift.tar.gz (python/drift-*/)
#   py-compile-diagnose  issue 14.3: scripts/py-compile-diagnose.py at (2, 50) (reduce-overhead
#             conditions, counters, profiles; estimated 120 s), then py-sweep reduce-overhead
#             at (2, 50) with --compile-inputs copied, static, and copied with --kernel-timing
#             off (no profiler in the process) (estimated 100 s)
#             -> $OUT/py-compile-diagnose.tar.gz (py-compile-diagnose/)
#   py-model-diagnose  the same for the model forward at (2, 50): scripts/py-compile-diagnose.py
#             --conditions model (eager both layers, graph, compile default and reduce-overhead;
#             300 calls a loop; estimated 90 s) -> $OUT/py-model-diagnose.tar.gz
#             (python/model-diagnose/)
#   py-graph  the lone call in eager and graph mode (CUDA-graph replays) over the article grid,
#             5 repetitions of 0.05 s (estimated 90 s) -> $OUT/py-graph.tar.gz (py-graph/)
#   py-model  the encoder forward (configs/py-model.json) in eager and graph mode, both layers,
#             the whole grid (estimated 150 s) -> $OUT/py-model.tar.gz (py-model/)
#   py-model-compile  the encoder under torch.compile, modes FA_PY_COMPILE_MODES (default
#             'default reduce-overhead'), on FA_PY_COMPILE_FILTER (default
#             'b:(2|32|512)/s:(50|300)/', 6 shapes); every shape compiles anew (estimated 10-20 s
#             per shape, variant and mode: about 2.5 min per mode; at most about 4.5 min per
#             mode, as no new shape starts after 150 s, so the two modes fit one 10-minute
#             command; the reports' first_calls give the real compile seconds)
#             -> $OUT/py-model-compile.tar.gz (py-model-compile/)
#   nsys-phases  scripts/nsys-profile.sh's phase check (FA_NSYS_PHASES=1) at the same shapes,
#             eager (needs .nsysdeps carried) -> $OUT/nsys-phases.tar.gz (nsys-phases/)
# The results README.md and docs/findings.md cite, all from one commit, are scripts/reproduce's
# parts (scripts/reproduce plan), not these stages.
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
  local compiler_env
  choose_compilers
  local default_cxx
  default_cxx=$(command -v "${CXX:-c++}")
  echo "compilers configure hands CMake (scripts/lib/setup.sh):" \
    "${compiler_env[*]:-none, the default $default_cxx}"
  cmake --version | head -1
  /usr/local/cuda/bin/nvcc --version | tail -2
  python3 -c 'import torch; print("torch", torch.__version__, torch.version.cuda, torch.utils.cmake_prefix_path)'
  dpkg -l | grep -E 'libbenchmark|libgtest|libfmt|nlohmann|cli11' || true
}

stage_build() { FA_JOBS=16 configure_and_build "$build_dir" -DCMAKE_CUDA_ARCHITECTURES=90 -DFA_BUILD_TESTS=ON; }

# GPU timing tests side by side measure each other (issue 15): everything else in parallel, then
# the GPU-timing and Python tests one at a time.
stage_test() {
  local serial='sweep-gpu|python'
  ctest --test-dir "$build_dir" --output-on-failure -j 8 --timeout 600 -LE "$serial"
  local rc=$?
  ctest --test-dir "$build_dir" --output-on-failure -j 1 --timeout 600 -L "$serial" || rc=1
  return "$rc"
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
  local tune="$build_dir/core_cuda_tune" bench_rc
  mkdir -p "$build_dir"
  /usr/local/cuda/bin/nvcc -std=c++17 -O3 -arch=sm_90 --expt-relaxed-constexpr -lineinfo \
    -Xptxas -v -I kernels -I tests/kernels -o "$tune" tests/kernels/core_cuda_tune.cu \
    >"$work/tune-build.log" 2>&1 || { tail -n 30 "$work/tune-build.log"; return 1; }
  # A candidate FAIL still fails the stage, but only after the SASS counts and the profile: they
  # are what explains a failure.
  "$tune" "$work/tune.csv" | tee "$work/tune.log"
  bench_rc=${PIPESTATUS[0]}
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
    --section WarpStateStats --section InstructionStats --section ComputeWorkloadAnalysis \
    --metrics "sass__inst_executed_per_opcode,regex:^smsp__average_warps_issue_stalled_.*_per_issue_active\.ratio$" \
    --print-metric-instances values "$tune" --profile >"$work/tune-ncu.txt" 2>&1 ||
    { tail -n 20 "$work/tune-ncu.txt"; return 1; }
  grep -E 'attention_fwd_kernel|Duration|Issued Instructions  |Registers Per|Achieved Active|Issue Slots Busy' \
    "$work/tune-ncu.txt"
  [ "$bench_rc" -eq 0 ] || { echo "core_cuda_tune exited $bench_rc"; return 1; }
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

# The Python crash's fix without the rest of the build (issue 14.1): which compilers configure
# chose, libfa_kernels.so's libstdc++ check and tests/python, no preload.
stage_pytest() {
  configure_once "$build_dir" || return 1
  grep -E '^CMAKE_(C|CXX|CUDA_HOST)_COMPILER:' "$build_dir/CMakeCache.txt"
  cmake --build "$build_dir" -j 16 --target fa_kernels fa_versus_ext || return 1
  ctest --test-dir "$build_dir" -R '^(kernels_library_defines_no_libstdcxx|python_layers)$' \
    --output-on-failure --timeout 300 --no-tests=error
}

# --- A/B runs (issue 18; docs/ab.md) ------------------------------------------------------------
ab_rounds=${FA_AB_ROUNDS:-12}
read -r -a ab_grid <<<"${FA_AB_GRID:---config configs/article.json --mode eager}"
# The shapes of the phase stages: the study's smallest, a middle and its largest.
phase_filter='/b:(2/s:50|32/s:150|512/s:300)/'

# configure_once DIR [cmake args...]: configure DIR unless it already is, with the tests as asked
# (on unless the args say -DFA_BUILD_TESTS=OFF). Configure once, build only the targets a stage
# needs; but scripts/reproduce configures build-gpu without tests, and a test stage after it must
# not find no tests and pass (ctest exits 0 on an empty selection).
configure_once() {
  local dir=$1
  shift
  local tests=ON
  [[ " $* " == *" -DFA_BUILD_TESTS=OFF "* ]] && tests=OFF
  if [ -f "$dir/build.ninja" ] && grep -qx "FA_BUILD_TESTS:BOOL=$tests" "$dir/CMakeCache.txt"; then
    return 0
  fi
  configure "$dir" -DCMAKE_CUDA_ARCHITECTURES=90 -DFA_BUILD_TESTS=$tests "$@"
}

# Two builds of the same tree for an A/A: two build directories. The second builds fa-sweep only.
stage_ab_build() {
  configure_once "$build_dir" || return 1
  cmake --build "$build_dir" -j 16 --target fa-sweep fa-compare || return 1
  configure_once "$build_dir-aa" -DFA_BUILD_TESTS=OFF || return 1
  cmake --build "$build_dir-aa" -j 16 --target fa-sweep
}

# pack_stage NAME DIR: DIR (under $work) into $out_root/NAME.tar.gz, its path inside kept (so
# unpacking in results/h200 gives results/h200/DIR), then out of the session tarball.
pack_stage() {
  tar -C "$work" -czf "$out_root/$1.tar.gz" "$2" && rm -rf "${work:?}/$2" &&
    echo "packed $2 into $1.tar.gz ($(du -h "$out_root/$1.tar.gz" | cut -f1))"
}

# single_report_verdicts DIR: the old comparison, one report per side, for every round's pair:
# what a CI job comparing one run of main with one run of the change would have said.
single_report_verdicts() {
  local dir=$1 base head
  for base in "$dir"/base-*.json; do
    head=${base/\/base-/\/head-}
    [ -f "$head" ] || continue
    local round=${base##*/base-}
    round=${round%.json}
    "$build_dir/harness/compare/fa-compare" "$base" "$head" --format json \
      --output "$dir/single-$round.json" 2>>"$dir/single.log"
    "$build_dir/harness/compare/fa-compare" "$base" "$head" --format markdown \
      --output "$dir/single-$round.md" 2>>"$dir/single.log"
  done
  # Top-level counts: verdict_counts (one report per side), counts (several, contract 3).
  python3 - "$dir" <<'PY'
import glob, json, sys

for path in sorted(glob.glob(sys.argv[1] + "/single-*.json")):
    report = json.load(open(path))
    counts = report.get("verdict_counts") or report.get("counts")
    print(path.rsplit("/", 1)[1], counts)
PY
}

# run_ab NAME HEAD_BUILD EXPECTED_EXIT: scripts/ab of build-gpu against HEAD_BUILD into
# $work/ab/NAME; fine when fa-compare exits EXPECTED_EXIT.
run_ab() {
  local name=$1 head_build=$2 expected=$3
  local dir="$work/ab/$name" start=$SECONDS
  mkdir -p "$work/ab"
  scripts/ab "$build_dir" "$head_build" --rounds "$ab_rounds" --out-dir "$dir" \
    ${FA_AB_TIME_LIMIT:+--time-limit "$FA_AB_TIME_LIMIT"} \
    --compare "$build_dir/harness/compare/fa-compare" --format markdown -- "${ab_grid[@]}"
  local rc=$?
  echo "scripts/ab $name: fa-compare exit $rc (expected $expected), $((SECONDS - start)) s"
  single_report_verdicts "$dir"
  pack_stage "ab-$name" "ab/$name"
  [ "$rc" -eq "$expected" ]
}

stage_aa() {
  local n=$1
  stage_ab_build || return 1
  run_ab "aa-$n" "$build_dir-aa" 0
}

stage_control() {
  stage_ab_build || return 1
  local src=/tmp/fa-control-src control="$build_dir-control"
  if [ ! -f "$control/build.ninja" ]; then
    rm -rf "$src" && mkdir -p "$src" || return 1
    tar -C "$FA_ROOT" --exclude='./build*' --exclude=./.git --exclude=./out --exclude=./results \
      --exclude=./.nsysdeps --exclude=./.whl -cf - . | tar -C "$src" -xf - || return 1
    local patch="$FA_ROOT/scripts/ab-control.patch"
    if command -v git >/dev/null 2>&1; then
      (cd "$src" && git apply "$patch") || return 1
    else
      (cd "$src" && patch -p1 <"$patch") || return 1
    fi
    local control_dir="$FA_ROOT/$control"
    (FA_ROOT=$src && configure "$control_dir" -DCMAKE_CUDA_ARCHITECTURES=90 \
      -DFA_BUILD_TESTS=OFF) || return 1
  fi
  cmake --build "$control" -j 16 --target fa-sweep || return 1
  run_ab control "$control" 1
}

stage_phases() {
  local dir="$work/phases"
  mkdir -p "$dir"
  configure_once "$build_dir" || return 1
  cmake --build "$build_dir" -j 16 --target fa-sweep || return 1
  "$build_dir/harness/sweep/fa-sweep" "${ab_grid[@]}" --filter "$phase_filter" \
    --phase-samples "${FA_PHASE_SAMPLES:-200}" --out "$dir/phases.json" | tee "$dir/phases.txt"
  local rc=${PIPESTATUS[0]}
  pack_stage phases phases
  return "$rc"
}

# scripts/nsys-profile.sh's phase check (FA_NSYS_PHASES=1, docs/nsys-profile.md): the phase
# pass's counters beside each NVTX range's exclusive time per call in the nsys trace, eager.
stage_nsys_phases() {
  local dir="$work/nsys-phases"
  mkdir -p "$dir"
  source .nsysdeps/nsys-env.sh || return 1
  configure_once "$build_dir" || return 1
  cmake --build "$build_dir" -j 16 --target fa-sweep || return 1
  FA_NSYS_PHASES=1 FA_NSYS_MODE=eager \
    scripts/nsys-profile.sh "$build_dir" "$phase_filter" "$dir/nsys-phases.txt"
  local rc=$?
  pack_stage nsys-phases nsys-phases
  return "$rc"
}

# Does the phase pass change the timed numbers? FA_PHASE_COST_ROUNDS rounds (default 12) of two
# processes at the phase shapes, one with --phase-samples 0 (base) and one with the pass (head),
# in seeded random order; fa-compare over the rounds on e2e and host: every case same or
# inconclusive means no measurable cost.
stage_phase_cost() {
  local dir="$work/phase-cost" rounds=${FA_PHASE_COST_ROUNDS:-12} i order
  mkdir -p "$dir"
  configure_once "$build_dir" || return 1
  cmake --build "$build_dir" -j 16 --target fa-sweep fa-compare || return 1
  RANDOM=7
  for i in $(seq -w 1 "$rounds"); do
    order="base head"
    ((RANDOM % 2)) && order="head base"
    for side in $order; do
      local samples=0
      [ "$side" = head ] && samples=${FA_PHASE_SAMPLES:-200}
      "$build_dir/harness/sweep/fa-sweep" "${ab_grid[@]}" --filter "$phase_filter" \
        --repetitions 3 --min-time 0.05 --phase-samples "$samples" \
        --benchmark_context="ab_round=$i,ab_side=$side,ab_revision=phase-samples-$samples" \
        --out "$dir/$side-$i.json" >"$dir/$side-$i.log" 2>&1 || return 1
    done
  done
  local metric rc=0
  for metric in e2e host; do
    "$build_dir/harness/compare/fa-compare" --base "$dir"/base-*.json --head "$dir"/head-*.json \
      --metric "$metric" --format markdown --output "$dir/verdict-$metric.md" || rc=1
    "$build_dir/harness/compare/fa-compare" --base "$dir"/base-*.json --head "$dir"/head-*.json \
      --metric "$metric" --format json --output "$dir/verdict-$metric.json" || rc=1
    grep -E 'slower|faster|same|inconclusive' "$dir/verdict-$metric.md" | head -n 12
  done
  pack_stage phase-cost phase-cost
  return "$rc"
}

# The Python layers' phases (py-sweep's phase pass) at the phase shapes, eager, both layers.
stage_py_phases() {
  local dir="$work/py-phases"
  mkdir -p "$dir"
  configure_once "$build_dir" || return 1
  cmake --build "$build_dir" -j 16 --target fa_versus_ext fa-compare || return 1
  FA_VERSUS_EXT_DIR="$FA_ROOT/$build_dir/python" PYTHONPATH="$FA_ROOT/python" PYTHONUNBUFFERED=1 \
    python3 scripts/py-sweep.py --config configs/article.json --filter "$phase_filter" \
    --repetitions 5 --phase-samples "${FA_PHASE_SAMPLES:-200}" --out "$dir/py-phases.json" \
    | tee "$dir/py-phases.txt"
  local rc=${PIPESTATUS[0]}
  [ "$rc" -eq 0 ] && "$build_dir/harness/compare/fa-compare" "$dir/py-phases.json" \
    --baseline py-v2.6.3 --contender py-v2.7.0 --metric host --format markdown \
    --output "$dir/compare-host.md"
  pack_stage py-phases py-phases
  return "$rc"
}

# --- The Python layer's warm-up, compile and model stages (issue 14.2, 14.3; docs/python-layer.md)

# py_python SECONDS SCRIPT ARGS...: a Python script with build-gpu's extension, unbuffered, at
# most SECONDS long.
py_python() {
  local limit=$1
  shift
  FA_VERSUS_EXT_DIR="$FA_ROOT/$build_dir/python" PYTHONPATH="$FA_ROOT/python" PYTHONUNBUFFERED=1 \
    timeout "$limit" python3 "$@"
}

# py_build: fa_versus_ext and fa-compare in build-gpu (configured once).
py_build() {
  configure_once "$build_dir" || return 1
  cmake --build "$build_dir" -j 16 --target fa_versus_ext fa-compare
}

# py_compare REPORT BASELINE CONTENDER METRIC OUT: fa-compare's markdown of one pair.
py_compare() {
  "$build_dir/harness/compare/fa-compare" "$1" --baseline "$2" --contender "$3" --metric "$4" \
    --format markdown --output "$5" || echo "fa-compare $2 vs $3 ($4): exit $?"
}

# The issue's command with the prime and the first case's re-run; the summary ends with the
# first case against its re-run (FLAGGED where the e2e medians differ by more than 10%).
stage_py_warmup() {
  local dir="$work/py-warmup"
  mkdir -p "$dir"
  py_build || return 1
  py_python 300 scripts/py-sweep.py --config configs/article.json \
    --filter 'b:(2|32|512)/s:(50|300)/' --repetitions 5 --out "$dir/py-warmup.json" \
    2>"$dir/py-warmup.log" | tee "$dir/py-warmup.txt"
  local rc=${PIPESTATUS[0]}
  grep -E 'prime at|warning: first case' "$dir/py-warmup.log"
  [ -f "$dir/py-warmup.json" ] && python3 - "$dir/py-warmup.json" <<'PY'
import json, sys
check = json.load(open(sys.argv[1]))["context"]["warmup_check"]
print("prime:", json.dumps({k: v for k, v in check["prime"].items() if k != "round_median_e2e_us"}))
print("first case flagged:", check["first_case"]["flagged"])
PY
  pack_stage py-warmup py-warmup
  return "$rc"
}

# The same grid pinned to one core and unpinned, alternately: the first case against its re-run,
# the CPUs the thread ran on and its involuntary context switches (context host_cpu) per run, and
# how far the runs' case medians lie apart (docs/python-layer.md, "Warm-up").
stage_py_drift() {
  local dir="$work/py-drift" index=0 cpu name reference="" runs=() status=0
  mkdir -p "$dir"
  py_build || return 1
  for cpu in ${FA_DRIFT_CPUS:-- 2 - 9}; do
    index=$((index + 1))
    local pin=()
    if [ "$cpu" = - ]; then
      name="$index-unpinned"
    else
      name="$index-cpu$cpu" pin=(taskset -c "$cpu")
      [ -n "$reference" ] || reference=$name
    fi
    log "py-drift: run $name"
    FA_VERSUS_EXT_DIR="$FA_ROOT/$build_dir/python" PYTHONPATH="$FA_ROOT/python" \
      PYTHONUNBUFFERED=1 timeout 150 "${pin[@]}" python3 scripts/py-sweep.py \
      --config configs/article.json --repetitions 10 --min-time 0.05 --out "$dir/$name.json" \
      >"$dir/$name.txt" 2>"$dir/$name.log" || { echo "run $name: exit $?"; status=1; }
    [ -f "$dir/$name.json" ] && runs+=("$name=$dir/$name.json")
  done
  [ "${#runs[@]}" -gt 0 ] &&
    python3 scripts/lib/drift_summary.py "${runs[@]}" ${reference:+--reference "$reference"} |
    tee "$dir/summary.md"
  pack_stage py-drift py-drift
  return "$status"
}

# Where reduce-overhead's host time goes at (2, 50), then py-sweep's measurement of it with the
# inputs copied into the CUDA graph (as before) and read in place (--compile-inputs static).
stage_py_compile_diagnose() {
  local dir="$work/py-compile-diagnose" rc=0
  mkdir -p "$dir"
  py_build || return 1
  py_python 400 scripts/py-compile-diagnose.py --out-dir "$dir" 2>"$dir/diagnose.log" || rc=1
  # copied: py-sweep's measurement as it was; static: the inputs read in place; no-profiler:
  # as it was, with no torch.profiler session in the process (--kernel-timing off).
  local run flags
  for run in copied static no-profiler; do
    flags=(--compile-inputs "${run/no-profiler/copied}")
    [ "$run" = no-profiler ] && flags+=(--kernel-timing off)
    py_python 200 scripts/py-sweep.py --config configs/article.json --filter 'b:2/s:50/' \
      --repetitions 5 --compile --compile-mode reduce-overhead "${flags[@]}" \
      --out "$dir/py-ro-$run.json" 2>"$dir/py-ro-$run.log" | tee "$dir/py-ro-$run.txt"
    [ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
    [ -f "$dir/py-ro-$run.json" ] && py_compare "$dir/py-ro-$run.json" py-v2.6.3 \
      py-v2.7.0-compile e2e "$dir/compare-ro-$run-vs-py-v2.6.3-e2e.md"
  done
  pack_stage py-compile-diagnose py-compile-diagnose
  return "$rc"
}

# Where the model forward's time goes under reduce-overhead at (2, 50) (issue 14.3).
stage_py_model_diagnose() {
  local dir="$work/python/model-diagnose"
  mkdir -p "$dir"
  py_build || return 1
  py_python 300 scripts/py-compile-diagnose.py --conditions model --calls 300 \
    --profile-calls 50 --out-dir "$dir" 2>"$dir/diagnose.log" || return 1
  pack_stage py-model-diagnose python/model-diagnose
}

# The lone call in both modes: graph mode is fa-sweep's (one call captured, replays timed).
stage_py_graph() {
  local dir="$work/py-graph" mode metric
  mkdir -p "$dir"
  py_build || return 1
  py_python 400 scripts/py-sweep.py --config configs/article.json --mode both --repetitions 5 \
    --min-time 0.05 --out "$dir/py-graph.json" 2>"$dir/py-graph.log" | tee "$dir/py-graph.txt"
  local rc=${PIPESTATUS[0]}
  if [ -f "$dir/py-graph.json" ]; then
    for metric in e2e host; do
      py_compare "$dir/py-graph.json" py-v2.6.3 py-v2.7.0 "$metric" \
        "$dir/compare-py-v2.7.0-vs-py-v2.6.3-$metric.md"
    done
  fi
  pack_stage py-graph py-graph
  return "$rc"
}

# The encoder forward through both layers, eager and graph mode, the whole grid.
stage_py_model() {
  local dir="$work/py-model" metric
  mkdir -p "$dir"
  py_build || return 1
  py_python 500 scripts/py-sweep.py --config configs/py-model.json --workload model --mode both \
    --out "$dir/py-model.json" 2>"$dir/py-model.log" | tee "$dir/py-model.txt"
  local rc=${PIPESTATUS[0]}
  if [ -f "$dir/py-model.json" ]; then
    for metric in e2e host kernel; do
      py_compare "$dir/py-model.json" py-model-v2.6.3 py-model-v2.7.0 "$metric" \
        "$dir/compare-py-model-v2.7.0-vs-py-model-v2.6.3-$metric.md"
    done
  fi
  pack_stage py-model py-model
  return "$rc"
}

# The encoder under torch.compile (both layers; 2.6.3's graph breaks at its pybind11 call), one
# process per compile mode, with the eager variants beside them in the same report.
stage_py_model_compile() {
  local dir="$work/py-model-compile" mode rc=0 base
  local filter=${FA_PY_COMPILE_FILTER:-'b:(2|32|512)/s:(50|300)/'}
  mkdir -p "$dir"
  py_build || return 1
  for mode in ${FA_PY_COMPILE_MODES:-default reduce-overhead}; do
    # --time-limit: no new shape after 150 s, so a slower compile than estimated still leaves a
    # report of the shapes done (the small ones come first) inside the 280 s backstop; two modes
    # then stay inside one 600 s device command.
    py_python 280 scripts/py-sweep.py --config configs/py-model.json --workload model --compile \
      --compile-mode "$mode" --filter "$filter" --time-limit 150 \
      --out "$dir/py-model-$mode.json" 2>"$dir/py-model-$mode.log" | tee "$dir/py-model-$mode.txt"
    [ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
    [ -f "$dir/py-model-$mode.json" ] || continue
    for base in py-model-v2.6.3 py-model-v2.7.0; do
      py_compare "$dir/py-model-$mode.json" "$base" py-model-v2.7.0-compile e2e \
        "$dir/compare-$mode-py-model-v2.7.0-compile-vs-$base-e2e.md"
    done
    py_compare "$dir/py-model-$mode.json" py-model-v2.6.3-compile py-model-v2.7.0-compile e2e \
      "$dir/compare-$mode-py-model-v2.7.0-compile-vs-py-model-v2.6.3-compile-e2e.md"
    python3 - "$dir/py-model-$mode.json" <<'PY'
import json, sys
context = json.load(open(sys.argv[1]))["context"]
for case, record in context.get("first_calls", {}).items():
    print(f"first call {case}: {record['seconds']} s {json.dumps(record['dynamo_counters'].get('stats', {}))}")
PY
  done
  pack_stage py-model-compile py-model-compile
  return "$rc"
}

while [ $# -gt 0 ]; do
  stage=$1
  shift
  if [ "$stage" = aa ]; then
    [[ ${1:-} =~ ^[0-9]+$ ]] || { log "stage aa needs a number (aa 1)"; exit 2; }
    run_stage "aa-$1" stage_aa "$1"
    shift
  else
    run_stage "$stage" "stage_${stage//-/_}"
  fi
done
exit $status
