#!/usr/bin/env bash
# Profiles a short fa-sweep run with Nsight Systems and prints, per NVTX range (the case ranges and
# the dispatch paths' phases of kernels/common/nvtx.h's kPhaseTable: v2.6.3/checks,
# v2.7.0/prechecks, v2.7.0/dispatch, core/launch, ...) and per GPU kernel, where the time went:
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
# FA_NSYS_PHASES=1: the phase check (docs/phases.md). First the same cases run without a profiler
# with the phase pass on (--phase-samples = FA_NSYS_ITERATIONS); then under nsys (where the phase
# pass skips itself), the trace is exported to SQLite and each NVTX range's exclusive time
# (duration minus its child ranges) is taken per call; printed per case and phase beside the
# phase pass's counters (median over repetitions of the per-repetition means).
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
phases=${FA_NSYS_PHASES:-0}

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

if [ "$phases" = 1 ]; then
  # The phase pass, unprofiled, on the same cases.
  "$sweep" --config "$config" --filter "$filter" --mode "$mode" --iterations "$iterations" \
    --repetitions "$repetitions" --kernel-timing off --phase-samples "$iterations" \
    --out "$workdir/phases.json" "${extra[@]}" >"$workdir/phases.log" 2>&1 || {
    echo "nsys-profile: the phase pass run failed; its output:" >&2
    cat "$workdir/phases.log" >&2
    exit 1
  }
  nsys export --type sqlite --force-overwrite=true --output "$report.sqlite" \
    "$report.nsys-rep" >/dev/null
  python3 - "$report.sqlite" "$workdir/phases.json" <<'PY' | if [ -n "$output" ]; then tee -a "$output"; else cat; fi
import json, sqlite3, statistics, sys
from collections import defaultdict

db = sqlite3.connect(sys.argv[1])
tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
text = "COALESCE(e.text, s.value)" if "StringIds" in tables else "e.text"
join = "LEFT JOIN StringIds s ON e.textId = s.id" if "StringIds" in tables else ""
rows = db.execute(
    f"SELECT e.start, e.end, {text}, e.globalTid FROM NVTX_EVENTS e {join} "
    "WHERE e.end IS NOT NULL ORDER BY e.globalTid, e.start, e.end DESC"
).fetchall()

# Per thread, nest by containment: exclusive = duration - direct children; the case is the
# outermost range ("fwd/...").
exclusive = defaultdict(list)  # (case, phase) -> [ns per range]
stack = []
last_tid = None
for start, end, name, tid in rows:
    if tid != last_tid:
        stack, last_tid = [], tid
    while stack and stack[-1]["end"] <= start:
        done = stack.pop()
        if done["case"] and done["name"] != done["case"]:
            exclusive[(done["case"], done["name"])].append(done["end"] - done["start"] - done["kids"])
    if stack:
        stack[-1]["kids"] += end - start
    case = stack[0]["name"] if stack else (name if name and name.startswith("fwd/") else None)
    stack.append({"start": start, "end": end, "name": name, "case": case, "kids": 0})
while stack:
    done = stack.pop()
    if done["case"] and done["name"] != done["case"]:
        exclusive[(done["case"], done["name"])].append(done["end"] - done["start"] - done["kids"])

report = json.load(open(sys.argv[2]))
passes = defaultdict(list)  # (case, phase) -> per-repetition means (us)
for row in report["benchmarks"]:
    if row.get("run_type") != "iteration":
        continue
    # The case name's eight segments (fwd/<variant>/b/s/h/d/<dtype>/<mode>), without Google
    # Benchmark's run options ("/iterations:200", "/manual_time", ...), as the NVTX case range has it.
    case = "/".join(row.get("run_name", row["name"]).split("/")[:8])
    for key, value in row.items():
        if key.startswith("phase:"):
            passes[(case, key[len("phase:"):])].append(value)

print()
print("# Phase check: the phase pass (in-process recorder, unprofiled) beside Nsight Systems")
print("# (exclusive time of each range per call, from the SQLite export), microseconds")
print(f"{'case':<44} {'phase':<28} {'pass mean':>10} {'nsys median':>12} {'nsys mean':>10} {'nsys n':>7}")
for case, phase in sorted(set(passes) | set(exclusive)):
    if phase == "unattributed" and (case, phase) not in exclusive:
        mine = statistics.median(passes[(case, phase)])
        print(f"{case:<44} {phase:<28} {mine:>10.3f} {'-':>12} {'-':>10} {'-':>7}")
        continue
    mine = statistics.median(passes[(case, phase)]) if (case, phase) in passes else float("nan")
    theirs = exclusive.get((case, phase), [])
    med = statistics.median(theirs) / 1e3 if theirs else float("nan")
    mean = statistics.fmean(theirs) / 1e3 if theirs else float("nan")
    print(f"{case:<44} {phase:<28} {mine:>10.3f} {med:>12.3f} {mean:>10.3f} {len(theirs):>7}")
PY
fi
[ -n "${FA_NSYS_OUT:-}" ] && echo "report kept: $report.nsys-rep" >&2
exit 0
