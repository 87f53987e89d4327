#!/usr/bin/env bash
# The issue-15 fault trial, re-runnable (docs/reliability.md, "Fault trial"): bad configs, flags
# and reports, outputs that are inputs or not regular files, links, broken pipes, signals at
# several moments, concurrent writers, fa-compare --base/--head and scripts/ab, against the CPU
# builds of fa-sweep and fa-compare. Not a ctest test (about 2-3 minutes); every defect it found
# has its own regression test.
#
#   tests/sweep/fault_trial.sh [BUILD_DIR]      # default build/; prints one line per case and a tally
#
# A case passes when its exit status is the expected one, a refusal (exit 2) is one line on
# stderr, no temporary file (*.tmp.*) is left, and the guarded inputs (config, reports) are
# byte for byte what they were.
set -uo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
sweep=$build/harness/sweep/fa-sweep
compare=$build/harness/compare/fa-compare
ab=$src/scripts/ab
T=$(mktemp -d /tmp/fa-fault-trial-XXXXXX)
# Only this shell removes it: a forked child that a signal ends before its exec runs this trap too.
trap '[ "$BASHPID" = "$$" ] && rm -rf "$T"' EXIT
cd "$T" || exit 1

passed=0 failed=0 failures=()
declare -A kind_total=() kind_failed=()
kind=setup
export T ab compare

note_result() { # NAME OK DETAIL
  kind_total[$kind]=$((${kind_total[$kind]:-0} + 1))
  if [ "$2" = 1 ]; then
    passed=$((passed + 1))
    printf 'ok    %-10s %s\n' "$kind" "$1"
  else
    failed=$((failed + 1))
    kind_failed[$kind]=$((${kind_failed[$kind]:-0} + 1))
    failures+=("$kind: $1: $3")
    printf 'FAIL  %-10s %s: %s\n' "$kind" "$1" "$3"
  fi
}

guard_sums() { sha256sum guard/* 2>/dev/null; }
leftovers() { find "$T" -name '*.tmp.*' -not -path '*/ab-cache/*' 2>/dev/null; }

# expect NAME RC_REGEX CMD...: runs CMD (stdout to out.txt, stderr to err.txt), then checks.
expect() {
  local name=$1 want=$2
  shift 2
  local before
  before=$(guard_sums)
  if declare -F "$1" >/dev/null; then
    timeout 60 bash -c '"$@"' _ "$@" >out.txt 2>err.txt
  else
    timeout 60 "$@" >out.txt 2>err.txt
  fi
  local rc=$? problem=""
  [[ $rc =~ ^($want)$ ]] || problem="exit $rc, expected $want"
  if [ "$rc" = 2 ] && [ -z "$problem" ] && [ "${ONE_LINE:-1}" = 1 ] && [ "$(grep -c . err.txt)" -ne 1 ]; then
    problem="refusal is $(grep -c . err.txt) lines"
  fi
  [ "$rc" = 124 ] && problem="hung (60 s)"
  [ -z "$(leftovers)" ] || { problem="${problem:+$problem; }left $(leftovers | head -1)"; find "$T" -name '*.tmp.*' -not -path '*/ab-cache/*' -delete; }
  [ "$before" = "$(guard_sums)" ] || { problem="${problem:+$problem; }a guarded input changed"; restore_guard; }
  note_result "$name" "$([ -z "$problem" ] && echo 1 || echo 0)" "$problem; stderr: $(head -c 300 err.txt | tr '\n' '|')"
}
# check NAME CONDITION...: a plain condition after a case.
check() {
  local name=$1
  shift
  if "$@"; then note_result "$name" 1 ""; else note_result "$name" 0 "condition failed: $*"; fi
}

quick=(--backend cpu --filter fwd/ --repetitions 3 --iterations 1)
restore_guard() {
  mkdir -p guard
  cp "$src/configs/smoke.json" guard/c.json
  cp fixtures/a.json guard/a.json
  cp fixtures/b.json guard/b.json
}
mkdir -p fixtures
"$sweep" --config "$src/configs/smoke.json" "${quick[@]}" --out fixtures/a.json >/dev/null 2>&1 &&
  "$sweep" --config "$src/configs/smoke.json" "${quick[@]}" --out fixtures/b.json >/dev/null 2>&1 ||
  { echo "cannot make the fixture reports with $sweep"; exit 1; }
for i in 1 2 3; do
  "$sweep" --config "$src/configs/smoke.json" "${quick[@]}" --out "fixtures/r$i.json" >/dev/null 2>&1
done
restore_guard
C=guard/c.json A=guard/a.json B=guard/b.json

# config KEY=JSON-VALUE...: a copy of the smoke config with the fields set (python: the edit is
# typed JSON, not text).
config() {
  python3 - "$src/configs/smoke.json" "$@" >cfg.json <<'EOF'
import json, sys
config = json.load(open(sys.argv[1]))
for setting in sys.argv[2:]:
    key, value = setting.split("=", 1)
    target = config
    *parents, last = key.split(".")
    for parent in parents:
        target = target[parent]
    if value == "DELETE":
        del target[last]
    else:
        target[last] = json.loads(value)
print(json.dumps(config))
EOF
  echo cfg.json
}
# report_edit IN PYTHON-STATEMENT: a copy of report IN edited by a statement over `r`.
report_edit() {
  python3 - "$1" "$2" >edited.json <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
exec(sys.argv[2])
print(json.dumps(r))
EOF
  echo edited.json
}

# --- fa-sweep: config values ------------------------------------------------------------------
kind=config
for setting in grid.batch='[]' grid.batch='[0]' grid.batch='[-1]' grid.batch='["2"]' grid.batch='[2.5]' \
  grid.heads='[0]' grid.embed='[63]' grid.embed='[4096]' grid.seqlen='[0]' grid.seqlen='[1e12]' \
  dtype='"fp64"' causal='"yes"' variants='[]' variants='["nope"]' variants='["v2.6.3","v2.6.3"]' \
  modes='["x"]' modes='[]' repetitions=0 repetitions=-1 repetitions=1000000000 repetitions=1.5 \
  min_time_s=-1 min_time_s='"a"' warmup_iterations=-1 kernel_samples=1000000000 \
  phase_samples=-3 seed=-1 seed=1e30 unknown_key=1 name='"a\nb"' name='""' grid=DELETE grid='[]' \
  'grid.batch=[[[[[[[[[[[[[[[[[[[[2]]]]]]]]]]]]]]]]]]]'; do
  expect "config $setting" 2 "$sweep" --config "$(config "$setting")" --backend cpu --list
done
for text in '' '{' '[]' '{"grid": {"batch": [2], "batch": [4]}}' '{"repetitions": 1e999}' \
  '{"repetitions": NaN}' $'\xef\xbb\xbf{}' 'null'; do
  printf '%s' "$text" >raw.json
  expect "config text $(printf '%q' "$text" | head -c 40)" 2 "$sweep" --config raw.json --backend cpu --list
done
mkdir -p adir && expect "config a directory" 2 "$sweep" --config adir --backend cpu --list
expect "config missing" 2 "$sweep" --config no-such.json --backend cpu --list
expect "config /dev/null" 2 "$sweep" --config /dev/null --backend cpu --list
expect "config /dev/zero (endless)" 2 "$sweep" --config /dev/zero --backend cpu --list
mkfifo cfg-fifo && expect "config a FIFO without writer" 2 "$sweep" --config cfg-fifo --backend cpu --list
rm -f cfg-fifo
head -c 20000000 /dev/zero | tr '\0' ' ' >big.json && expect "config 20 MB of spaces" 2 "$sweep" --config big.json --backend cpu --list

# --- fa-sweep: flags --------------------------------------------------------------------------
kind=flags
for flags in "--repetitions 0" "--repetitions -1" "--repetitions abc" "--repetitions 1000000000" \
  "--repetitions 99999999999999999999" "--min-time -1" "--min-time nan" "--min-time inf" \
  "--min-time abc" "--iterations 0" "--iterations -5" "--iterations 1e12" "--mode x" \
  "--backend gpu" "--kernel-timing x" "--filter (" "--filter no-case-matches-this" \
  "--phase-samples -1" "--phase-samples 1000000000" "--variants nope" "--variants ," "--unknown" \
  "--benchmark_repetitions=5" "--benchmark_out=x.json" "--benchmark_filter=x" \
  "--benchmark_context=gpu_name=forged" "--benchmark_context=backend=cuda" \
  "--benchmark_context=config_hash=0" "--benchmark_context==" "--benchmark_context=a=1,a=2"; do
  # shellcheck disable=SC2086  # the flags split on purpose
  expect "flags $flags" 2 "$sweep" --config "$C" --backend cpu --filter fwd/ --iterations 1 $flags --out x.json
  rm -f x.json
done
expect "user context key kept" 0 "$sweep" --config "$C" "${quick[@]}" --benchmark_context=ab_round=7 --out x.json
check "user context key in the report" grep -q '"ab_round": "7"' x.json
rm -f x.json

# --- fa-sweep: outputs ------------------------------------------------------------------------
kind=outputs
ln -sf c.json guard/link-to-c.json 2>/dev/null
ln -f guard/c.json hard-c.json
ln -sf "$T/guard/c.json" abs-link-c.json
mkfifo out-fifo
mkdir -p out-dir ro-dir && chmod 555 ro-dir
ln -sf /dev/full link-to-full
ln -sf loop-a loop-b && ln -sf loop-b loop-a
ln -sf no-such-dir/x.json dangling-in-missing-dir
for out in "$C" ./guard/../guard/c.json guard/link-to-c.json hard-c.json abs-link-c.json /dev/full \
  /dev/null out-fifo out-dir no-such-dir/x.json loop-a link-to-full dangling-in-missing-dir; do
  expect "--out $out" 2 "$sweep" --config "$C" "${quick[@]}" --out "$out"
done
rm -f guard/link-to-c.json
if [ "$(id -u)" != 0 ]; then
  expect "--out in a read-only dir" 2 "$sweep" --config "$C" "${quick[@]}" --out ro-dir/x.json
fi
check "FIFO still a FIFO" test -p out-fifo
check "/dev/full still a device" test -c /dev/full
ln -sf target.json dangling.json
expect "--out a dangling link" 0 "$sweep" --config "$C" "${quick[@]}" --out dangling.json
check "the link kept, its target written" test -L dangling.json -a -s target.json
rm -f dangling.json target.json hard-c.json abs-link-c.json link-to-full loop-a loop-b dangling-in-missing-dir

# --- broken pipes and full stdout/stderr ------------------------------------------------------
kind=pipes
pipe_rc() { "$@" | true; return "${PIPESTATUS[0]}"; }
export -f pipe_rc
closed_stdout() { # runs "$@" with stdout a pipe whose reader already exited
  local fifo=$T/closed.fifo
  rm -f "$fifo" && mkfifo "$fifo"
  (exec 3<"$fifo"; exec 3<&-) &
  "$@" >"$fifo"
  local rc=$?
  wait
  rm -f "$fifo"
  return $rc
}
export -f closed_stdout
expect "sweep | true" 0 pipe_rc "$sweep" --config "$C" "${quick[@]}" --out p.json
check "its report written" test -s p.json
expect "sweep --list | true" 0 pipe_rc "$sweep" --config "$C" --backend cpu --list
expect "sweep --help | true" 0 pipe_rc "$sweep" --help
expect "sweep, stderr a closed pipe" 0 bash -c '"$@" 2>&1 | true; exit ${PIPESTATUS[0]}' _ "$sweep" --config "$C" "${quick[@]}" --out p.json
expect "sweep >/dev/full with --out" 0 bash -c '"$@" >/dev/full' _ "$sweep" --config "$C" "${quick[@]}" --out p.json
check "a full stdout is not called a closed pipe" bash -c '! grep -q "closed by its reader" err.txt'
expect "sweep >/dev/full without --out" 1 bash -c '"$@" >/dev/full' _ "$sweep" --config "$C" "${quick[@]}"
expect "compare | true" 0 pipe_rc "$compare" "$A" "$B"
expect "compare --html | true" 0 pipe_rc "$compare" "$A" "$B" --html p.html
check "its html written" test -s p.html
expect "compare --help | true" 0 pipe_rc "$compare" --help
ONE_LINE=0 expect "compare >/dev/full (warnings, then the line)" 2 bash -c '"$@" >/dev/full' _ "$compare" "$A" "$B"
check "compare >/dev/full says no space" grep -q "no space left on device" err.txt
expect "compare, stdout closed before start" 0 closed_stdout "$compare" "$A" "$B" --format markdown
rm -f p.json p.html

# --- signals ----------------------------------------------------------------------------------
kind=signals
echo previous >prev.json
# signal_mid_sweep SIG: after the first repetition; the previous report kept, no temporary file.
for sig in INT TERM HUP QUIT USR1 USR2 ALRM; do
  # A script's background job starts with SIGINT and SIGQUIT ignored (kept ignored by design).
  env --default-signal=INT,QUIT "$sweep" --config "$C" --backend cpu --min-time 0.3 --repetitions 50 --out prev.json >/dev/null 2>sig.err &
  pid=$!
  for _ in $(seq 200); do grep -q "repetition 1 of" sig.err 2>/dev/null && break; sleep 0.05; done
  kill -s "$sig" "$pid"
  wait "$pid"
  rc=$?
  ok=1
  [ "$rc" -gt 128 ] || ok=0
  [ "$(cat prev.json)" = previous ] || ok=0
  [ -z "$(leftovers)" ] || ok=0
  note_result "SIG$sig mid-sweep" "$ok" "exit $rc, prev.json $(head -c 20 prev.json), left: $(leftovers | head -1)"
  find "$T" -name '*.tmp.*' -delete
done
for sig in 2 15 1 3 10; do
  expect "signal $sig just before the rename" "$((128 + sig))" env FA_TEST_SIGNAL_BEFORE_RENAME=$sig "$sweep" --config "$C" "${quick[@]}" --out prev.json
  check "prev.json kept after signal $sig" test "$(cat prev.json)" = previous
  expect "compare: signal $sig just before the rename" "$((128 + sig))" env FA_TEST_SIGNAL_BEFORE_RENAME=$sig "$compare" "$A" "$B" --output prev.json --html prev.html
  check "compare: nothing written after signal $sig" test "$(cat prev.json)" = previous -a ! -e prev.html
done
# SIGINT at start-up, before the sweep opened anything.
env --default-signal=INT "$sweep" --config "$C" "${quick[@]}" --out prev.json >/dev/null 2>&1 &
pid=$!
for _ in $(seq 400); do [ "$(readlink "/proc/$pid/exe")" = "$sweep" ] && break; sleep 0.005; done
kill -INT "$pid"
wait "$pid"
note_result "SIGINT at start-up" "$([ "$(cat prev.json)" = previous ] && [ -z "$(leftovers)" ] && echo 1 || echo 0)" "prev.json: $(head -c 30 prev.json)"
# nohup: an ignored SIGHUP stays ignored; the sweep ends normally.
(trap '' HUP; exec "$sweep" --config "$C" --backend cpu --min-time 0.05 --repetitions 4 --out hup.json >/dev/null 2>sig.err) &
pid=$!
for _ in $(seq 200); do grep -q "repetition 1 of" sig.err 2>/dev/null && break; sleep 0.05; done
kill -HUP "$pid"
wait "$pid"
rc=$?
note_result "ignored SIGHUP stays ignored" "$([ "$rc" = 0 ] && [ -s hup.json ] && echo 1 || echo 0)" "exit $rc"
rm -f hup.json prev.json prev.html

# --- concurrent writers -----------------------------------------------------------------------
kind=concurrent
for _ in 1 2 3 4; do "$sweep" --config "$C" "${quick[@]}" --out same.json >/dev/null 2>&1 & done
wait
check "4 sweeps on one --out: valid JSON" python3 -c "import json; json.load(open('same.json'))"
check "4 sweeps on one --out: no temporary file" test -z "$(leftovers)"
for _ in 1 2 3 4; do "$compare" "$A" "$B" --output same.md --html same.html 2>/dev/null & done
wait
check "4 compares on one --output: complete" grep -q "ratio" same.md
check "4 compares: no temporary file" test -z "$(leftovers)"
rm -f same.json same.md same.html

# --- fa-compare: reports ----------------------------------------------------------------------
kind=reports
bad() { printf '%s' "$2" >"bad-$1.json"; expect "report $1" 2 "$compare" "$A" "bad-$1.json"; rm -f "bad-$1.json"; }
bad empty ''
bad truncated "$(head -c 500 "$A")"
bad not-object '[1,2]'
bad no-benchmarks '{"context": {}}'
bad benchmarks-object '{"context": {}, "benchmarks": {}}'
bad nan '{"context": {}, "benchmarks": [{"name": "x", "run_type": "iteration", "real_time": NaN}]}'
bad deep "$(python3 -c 'print("["*100000 + "]"*100000)')"
bad dup-row-key "$(python3 -c "import sys; t=open('$A').read(); print(t.replace('\"real_time\":', '\"real_time\": 1, \"real_time\":', 1))")"
bad dup-context-key "$(python3 -c "import sys; t=open('$A').read(); print(t.replace('\"context\": {', '\"context\": {\"gpu_name\": \"x\", ', 1))")"
bad negative-time "$(cat "$(report_edit "$A" 'r["benchmarks"][0]["e2e_us"] = -1; r["benchmarks"][0]["real_time"] = -1')")"
bad string-time "$(cat "$(report_edit "$A" 'r["benchmarks"][0]["real_time"] = "fast"')")"
bad no-name "$(cat "$(report_edit "$A" 'del r["benchmarks"][0]["name"]')")"
bad long-name "$(cat "$(report_edit "$A" 'r["benchmarks"][0]["name"] = r["benchmarks"][0]["run_name"] = "x" * 100000')")"
expect "report a directory" 2 "$compare" "$A" adir
expect "report /dev/null" 2 "$compare" "$A" /dev/null
expect "report /dev/zero (endless)" 2 "$compare" "$A" /dev/zero
mkfifo rep-fifo && expect "report a FIFO without writer" 2 "$compare" "$A" rep-fifo
rm -f rep-fifo
truncate -s 600M sparse.json && expect "report over the size limit" 2 "$compare" "$A" sparse.json
rm -f sparse.json
expect "report missing" 2 "$compare" "$A" no-such.json
expect "one file, no variants" 2 "$compare" "$A"
expect "three positional files" 2 "$compare" "$A" "$B" "$A"
expect "bad --baseline variant" 2 "$compare" "$A" --baseline nope --contender v2.7.0
expect "same file both sides" 2 "$compare" "$A" "$A"
expect "same file via a link" 2 bash -c 'ln -sf a.json guard/a-link.json; "$0" "$1" guard/a-link.json; rc=$?; rm -f guard/a-link.json; exit $rc' "$compare" "$A"
for field in gpu_name config_name config_hash backend mode; do
  expect "strict: $field missing on one side" 2 "$compare" --strict "$A" "$(report_edit "$B" "del r['context']['$field']")"
  expect "no strict: $field missing warns" 0 "$compare" "$A" "$(report_edit "$B" "del r['context']['$field']")"
  check "warning names $field" grep -q "$field" err.txt
done
expect "strict: gpu differs" 2 "$compare" --strict "$A" "$(report_edit "$B" "r['context']['gpu_name'] = 'H100'")"
expect "mixed contexts warn" 0 "$compare" "$A" "$(report_edit "$B" "r['context']['config_hash'] = 'ffff'")"
check "the warning says which" grep -q config_hash err.txt
expect "all contender cases failed: gate" 1 "$compare" "$A" "$(report_edit "$B" "[x.update(error_occurred=True, error_message='failed: x') for x in r['benchmarks']]")" --fail-on regression
for flags in "--threshold -5%" "--threshold abc" "--alpha 0" "--alpha 2" "--metric nope" "--format nope" \
  "--correction nope" "--fail-on sometimes" "--plan-effect 0.03"; do
  # shellcheck disable=SC2086
  expect "flags $flags" 2 "$compare" "$A" "$B" $flags
done

# --- fa-compare: outputs ----------------------------------------------------------------------
kind=c-outputs
mkfifo c-fifo
for flags in "--output $A" "--html $B" "--output guard/../guard/a.json" "--output /dev/full" \
  "--html /dev/null" "--output c-fifo" "--output out-dir" "--output same.txt --html same.txt" \
  "--html p.html --output no-such-dir/x.txt" "--output loop-x"; do
  ln -sf loop-x loop-x 2>/dev/null
  # shellcheck disable=SC2086
  expect "compare $flags" 2 "$compare" "$A" "$B" $flags
  check "nothing written by compare $flags" test ! -e p.html -a ! -e same.txt
done
rm -f c-fifo loop-x

# --- fa-compare --base/--head -----------------------------------------------------------------
kind=rounds
R1=fixtures/r1.json R2=fixtures/r2.json R3=fixtures/r3.json
expect "3 vs 3 rounds" 0 "$compare" --base "$A" "$R1" "$R2" --head "$B" "$R3" fixtures/b.json
expect "a report on both sides" 2 "$compare" --base "$A" "$R1" --head "$R1" "$B"
expect "a report twice on one side" 2 "$compare" --base "$A" "$A" --head "$B" "$R1"
expect "a report twice, other spelling" 2 "$compare" --base "$A" ./guard/a.json --head "$B" "$R1"
expect "one report per side via --base/--head" 0 "$compare" --base "$A" --head "$B"
expect "--base without --head" 2 "$compare" --base "$A" "$R1"
expect "--base with a positional report" 2 "$compare" "$R3" --base "$A" "$R1" --head "$B" "$R2"
expect "--base and --baseline" 2 "$compare" --base "$A" "$R1" --head "$B" "$R2" --baseline v2.6.3 --contender v2.7.0
expect "mixed configs on one side, strict" 2 "$compare" --strict --base "$A" "$(report_edit "$R1" "r['context']['config_hash'] = 'ffff'")" --head "$B" "$R2"
expect "mixed GPUs on one side, strict" 2 "$compare" --strict --base "$A" "$R1" --head "$B" "$(report_edit "$R2" "r['context']['gpu_name'] = 'H100'")"
cp edited.json mixed-gpu.json
# Mixed GPUs, configs, modes or backends within one side are refused even without --strict.
expect "mixed GPUs on one side, no --strict" 2 "$compare" --base "$A" "$R1" --head "$B" mixed-gpu.json
check "the line names the GPU" grep -q -i gpu err.txt
expect "mixed modes on one side, strict" 2 "$compare" --strict --base "$A" "$(report_edit "$R1" "r['context']['mode'] = 'graph'")" --head "$B" "$R2"
expect "a failed round on the head side: gate" 1 "$compare" --base "$A" "$R1" --head "$B" "$(report_edit "$R2" "[x.update(error_occurred=True, error_message='failed: x') for x in r['benchmarks']]")" --fail-on regression
expect "a failed round, allowed" 0 "$compare" --base "$A" "$R1" --head "$B" "$(report_edit "$R2" "[x.update(error_occurred=True, error_message='failed: x') for x in r['benchmarks']]")" --fail-on regression --allow-failed-cases
expect "a round with no common case" 2 "$compare" --base "$A" "$R1" --head "$B" "$(report_edit "$R2" "r['benchmarks'] = [dict(x, name=x['name'] + '-other', run_name=x.get('run_name', '') + '-other') for x in r['benchmarks']]")"
for effect in 0 -0.1 nan abc; do
  expect "--plan-effect $effect" 2 "$compare" --base "$A" "$R1" --head "$B" "$R2" --plan-effect "$effect"
done
expect "--plan-effect 0.03" 0 "$compare" --base "$A" "$R1" --head "$B" "$R2" --plan-effect 0.03
expect "--correction holm" 0 "$compare" --base "$A" "$R1" --head "$B" "$R2" --correction holm
expect "--base with a bad report" 2 "$compare" --base "$A" adir --head "$B" "$R2"

# --- scripts/ab -------------------------------------------------------------------------------
kind=ab
ab_flags=(-- --config "$C" --backend cpu --filter fwd/ --repetitions 2 --iterations 1)
ab_run() { "$ab" --cache "$T/ab-cache" --compare "$compare" "$@"; }
export -f ab_run
expect "ab bad revision" 2 ab_run no-such-revision "$build" --out-dir ab1 "${ab_flags[@]}"
mkdir -p empty-build
expect "ab build dir without fa-sweep" 2 ab_run "$build" empty-build --out-dir ab1 "${ab_flags[@]}"
for rounds in 0 1 100 -1 abc 99999999999999999999 ""; do
  expect "ab --rounds '$rounds'" 2 ab_run "$build" "$build" --rounds "$rounds" --out-dir ab1 "${ab_flags[@]}"
done
for flags in "--seed -1" "--seed 99999999999999999999" "--jobs 0" "--time-limit -1" "--format x" \
  "--fail-on x" "--effect 0.03" "--unknown" "--head-patch no-such.patch"; do
  # shellcheck disable=SC2086
  expect "ab $flags" 2 ab_run "$build" "$build" $flags --out-dir ab1 "${ab_flags[@]}"
done
check "no out dir made by refused runs" test ! -e ab1
echo x >not-empty-file && mkdir -p ab-full && echo x >ab-full/x
expect "ab --out-dir not empty" 2 ab_run "$build" "$build" --rounds 2 --out-dir ab-full "${ab_flags[@]}"
expect "ab --out-dir a file" 2 ab_run "$build" "$build" --rounds 2 --out-dir not-empty-file "${ab_flags[@]}"
expect "ab --out-dir under a file" 2 ab_run "$build" "$build" --rounds 2 --out-dir not-empty-file/x "${ab_flags[@]}"
expect "ab fa-sweep flag it owns (--out)" 2 ab_run "$build" "$build" --rounds 2 --out-dir ab1 -- --out x.json
expect "ab fa-sweep flag refused by fa-sweep" 2 ab_run "$build" "$build" --rounds 2 --out-dir ab1 -- --mode nope
expect "ab A/A, 2 rounds" 0 ab_run "$build" "$build" --rounds 2 --seed 1 --out-dir ab2 "${ab_flags[@]}"
check "ab A/A: 2+2 reports and both verdicts" test -s ab2/base-01.json -a -s ab2/head-02.json -a -s ab2/verdict.md -a -s ab2/verdict.json
# Its reports through fa-compare's several-reports form: pairing by ab_round and ab_side.
cp ab2/head-01.json ab2-head-01-copy.json
expect "ab reports: a round copied on one side" 2 "$compare" --base ab2/base-01.json ab2/base-02.json --head ab2/head-01.json ab2-head-01-copy.json
expect "ab reports: 2 base rounds, 1 head" 2 "$compare" --base ab2/base-01.json ab2/base-02.json --head ab2/head-01.json
expect "ab reports: sides swapped" 2 "$compare" --base ab2/head-01.json ab2/head-02.json --head ab2/base-01.json ab2/base-02.json
expect "ab reports: plain reports beside ab rounds" 0 "$compare" --base ab2/base-01.json "$A" --head ab2/head-01.json "$B"
expect "ab --calibrate" 0 "$ab" --calibrate ab2 --effect 0.03 --compare "$compare"
expect "ab --calibrate without --effect" 2 "$ab" --calibrate ab2 --compare "$compare"
expect "ab --calibrate on a dir without reports" 2 "$ab" --calibrate empty-build --effect 0.03 --compare "$compare"
rm -f ab2-head-01-copy.json
expect "ab A/A | true (stdout closed)" 0 pipe_rc ab_run "$build" "$build" --rounds 2 --seed 1 --out-dir ab3 "${ab_flags[@]}"
check "ab | true: verdicts written" test -s ab3/verdict.md -a -s ab3/verdict.json
expect "ab A/A 2>&1 | true (stderr closed)" 0 bash -c '"$0" "$@" 2>&1 | true; exit ${PIPESTATUS[0]}' "$ab" "$build" "$build" --rounds 2 --seed 1 --out-dir ab4 --compare "$compare" "${ab_flags[@]}"
check "ab 2>&1 | true: verdicts written" test -s ab4/verdict.md -a -s ab4/verdict.json
# Interrupts mid-round: SIGINT / SIGTERM to scripts/ab while a round's fa-sweep runs.
for sig in INT TERM HUP QUIT; do
  rm -rf ab5
  env --default-signal=INT,QUIT "$ab" "$build" "$build" --rounds 4 --out-dir ab5 --compare "$compare" -- --config "$C" --backend cpu --min-time 0.3 --repetitions 3 >/dev/null 2>ab.err &
  pid=$!
  for _ in $(seq 300); do grep -q "round 2 of" ab.err 2>/dev/null && break; sleep 0.05; done
  kill -s "$sig" "$pid"
  wait "$pid"
  rc=$?
  sleep 0.5
  orphans=$(pgrep -f "out-dir ab5|$T/ab5/logs" || true)
  ok=1
  [ "$rc" != 0 ] || ok=0
  [ -z "$orphans" ] || ok=0
  [ -z "$(leftovers)" ] || ok=0
  note_result "ab SIG$sig mid-round" "$ok" "exit $rc; running after: ${orphans:-none}; left: $(leftovers | head -1)"
  for orphan in $orphans; do kill "$orphan" 2>/dev/null; done
  find "$T" -name '*.tmp.*' -not -path '*/ab-cache/*' -delete
done

# --- tally ------------------------------------------------------------------------------------
echo
echo "tally: $((passed + failed)) cases, $passed held, $failed did not"
for k in "${!kind_total[@]}"; do printf '  %-10s %3d cases, %d failed\n' "$k" "${kind_total[$k]}" "${kind_failed[$k]:-0}"; done | sort
for f in "${failures[@]}"; do echo "  - $f"; done
[ "$failed" -eq 0 ]
