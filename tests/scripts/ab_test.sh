#!/usr/bin/env bash
# scripts/ab's bad inputs and failed rounds, on stand-ins for fa-sweep and fa-compare (fast, no
# GPU). Usage: ab_test.sh SOURCE_DIR CASE; exit 0 passed, 1 failed, 77 skipped.
# shellcheck disable=SC2317  # the helpers run through check and the EXIT trap
set -uo pipefail
src=$1 case=$2
here=$(cd "$(dirname "$0")" && pwd)
ab="$src/scripts/ab"
tmp=$(mktemp -d)
worktrees=()
cleanup() {
  local worktree
  for worktree in "${worktrees[@]}"; do
    git -C "$src" worktree remove --force "$worktree" >/dev/null 2>&1
  done
  [ ${#worktrees[@]} -eq 0 ] || git -C "$src" worktree prune
  rm -rf "$tmp"
}
trap cleanup EXIT

failed=0
check() {
  local what=$1
  shift
  if "$@"; then
    echo "ok: $what"
  else
    echo "FAILED: $what"
    failed=1
  fi
}
# run_ab ARGS...: scripts/ab's exit status in rc, its stderr in $tmp/stderr, stdout in $tmp/stdout.
run_ab() {
  "$ab" "$@" >"$tmp/stdout" 2>"$tmp/stderr"
  rc=$?
  echo "scripts/ab $* -> exit $rc; stderr:"
  sed 's/^/  | /' "$tmp/stderr"
}
none_exist() {
  local path
  for path in "$@"; do [ ! -e "$path" ] || return 1; done
}
first_sides_balanced() {
  local base_first head_first
  base_first=$(tail -n +2 "$tmp/out/rounds.tsv" | cut -f2 | grep -c base)
  head_first=$(tail -n +2 "$tmp/out/rounds.tsv" | cut -f2 | grep -c head)
  [ $((base_first + head_first)) -eq 3 ] && [ "$base_first" -ge 1 ] && [ "$head_first" -ge 1 ]
}
not_running() { ! kill -0 "$1" 2>/dev/null; }
control_patch_applies() { (cd "$src" && git apply --check scripts/ab-control.patch); }
one_line_naming() { [ "$(wc -l <"$tmp/stderr")" -eq 1 ] && grep -q -- "$1" "$tmp/stderr"; }

# A build directory whose fa-sweep is the stand-in.
fake=$tmp/fake-build
mkdir -p "$fake/harness/sweep"
cp "$here/fake-fa-sweep" "$fake/harness/sweep/fa-sweep"
export FAKE_COMPARE_LOG=$tmp/compare-args
sweep_flags=(-- --config "$src/configs/smoke.json" --backend cpu)

case $case in
  missing-revision)
    run_ab no-such-revision-of-fa-versus "$fake" --out-dir "$tmp/out" "${sweep_flags[@]}"
    check "exit 2" [ "$rc" -eq 2 ]
    check "one line naming the revision" one_line_naming no-such-revision-of-fa-versus
    check "nothing written" [ ! -e "$tmp/out" ]
    ;;
  no-fa-sweep)
    mkdir -p "$tmp/empty-build"
    run_ab "$fake" "$tmp/empty-build" --out-dir "$tmp/out" "${sweep_flags[@]}"
    check "exit 2" [ "$rc" -eq 2 ]
    check "one line naming the directory and fa-sweep" one_line_naming "$tmp/empty-build has no harness/sweep/fa-sweep"
    check "nothing written" [ ! -e "$tmp/out" ]
    ;;
  failing-round)
    FAKE_FAIL=head-02 FAKE_COMPARE_EXIT=1 \
      run_ab "$fake" "$fake" --rounds 3 --seed 7 --out-dir "$tmp/out" \
      --compare "$here/fake-fa-compare" "${sweep_flags[@]}"
    check "exit as fa-compare (1)" [ "$rc" -eq 1 ]
    check "the failed process named with its log" \
      grep -q "round 2: head fa-sweep exited 1; log: $tmp/out/logs/head-02.log" "$tmp/stderr"
    check "the round reported as left out" grep -q "rounds left out (a process failed): 02" "$tmp/stderr"
    check "its log kept" grep -q "failed: planted" "$tmp/out/logs/head-02.log"
    check "rounds 1 and 3 kept" ls "$tmp/out/base-01.json" "$tmp/out/head-01.json" \
      "$tmp/out/base-03.json" "$tmp/out/head-03.json"
    check "round 2 left out of the reports" none_exist "$tmp/out/base-02.json" "$tmp/out/head-02.json"
    # The first call (the JSON file) with its arguments, one a line.
    sed -n "1,\\#^$tmp/out/verdict.json\$#p" "$FAKE_COMPARE_LOG" >"$tmp/first-call"
    echo "--- fa-compare's first call:"; cat "$tmp/first-call"; echo "---"
    check "fa-compare called per contract 3" diff -u - "$tmp/first-call" <<EXPECTED
--base
$tmp/out/base-01.json
$tmp/out/base-03.json
--head
$tmp/out/head-01.json
$tmp/out/head-03.json
--fail-on
regression
--format
json
--output
$tmp/out/verdict.json
EXPECTED
    check "each process tagged with its round and side" \
      grep -q '"ab_round": "03", "ab_side": "head"' "$tmp/out/head-03.json"
    check "the table printed" grep -q "fake fa-compare table" "$tmp/stdout"
    check "the seed printed" grep -q "seed 7" "$tmp/stderr"
    check "one round base first, one head first, the odd one either" first_sides_balanced
    ;;
  too-few-rounds)
    FAKE_FAIL=base-01,head-03 \
      run_ab "$fake" "$fake" --rounds 3 --out-dir "$tmp/out" --compare "$here/fake-fa-compare" \
      "${sweep_flags[@]}"
    check "exit 2" [ "$rc" -eq 2 ]
    check "the shortfall named" grep -q "only 1 good round(s) of 3, at least 2 needed" "$tmp/stderr"
    check "no verdict, fa-compare not run" none_exist "$tmp/out/verdict.md" "$FAKE_COMPARE_LOG"
    ;;
  does-not-build | patch-does-not-apply)
    git -C "$src" rev-parse --verify --quiet 'HEAD^{commit}' >/dev/null ||
      { echo "skipped: $src is not a git checkout"; exit 77; }
    if [ "$case" = does-not-build ]; then
      # A patch that makes configure fail at once, so HEAD's build fails in seconds.
      mkdir -p "$tmp/a" "$tmp/b"
      git -C "$src" show HEAD:CMakeLists.txt >"$tmp/a/CMakeLists.txt"
      { echo 'message(FATAL_ERROR "broken on purpose by tests/scripts/ab_test.sh")'
        cat "$tmp/a/CMakeLists.txt"; } >"$tmp/b/CMakeLists.txt"
      (cd "$tmp" && diff -u a/CMakeLists.txt b/CMakeLists.txt) >"$tmp/broken.patch"
      expected="HEAD HEAD ([0-9a-f]*) does not build: see $tmp/cache/.*/build.log"
    else
      printf -- '--- a/no-such-file.txt\n+++ b/no-such-file.txt\n@@ -1 +1 @@\n-a\n+b\n' >"$tmp/broken.patch"
      expected="--head-patch $tmp/broken.patch does not apply to HEAD"
    fi
    head_sha=$(git -C "$src" rev-parse HEAD)
    worktrees+=("$tmp/cache/${head_sha:0:12}-patch-$(sha256sum "$tmp/broken.patch" | cut -c1-12)/src")
    run_ab "$fake" HEAD --head-patch "$tmp/broken.patch" --cache "$tmp/cache" --jobs 1 \
      --out-dir "$tmp/out" --compare "$here/fake-fa-compare" "${sweep_flags[@]}"
    check "exit 2" [ "$rc" -eq 2 ]
    check "the last line names what and where" grep -q -- "^scripts/ab: $expected" "$tmp/stderr"
    check "nothing written" [ ! -e "$tmp/out" ]
    ;;
  rounds-beyond-64-bits)
    # bash's test printed a second line ("integer expression expected") before the refusal.
    run_ab "$fake" "$fake" --rounds 99999999999999999999 --out-dir "$tmp/out" "${sweep_flags[@]}"
    check "exit 2" [ "$rc" -eq 2 ]
    check "one line naming --rounds" one_line_naming "--rounds 99999999999999999999: expected an integer from 2 to 99"
    ;;
  out-dir-under-a-file)
    # mkdir's own message came first, a second line.
    echo x >"$tmp/a-file"
    run_ab "$fake" "$fake" --rounds 2 --out-dir "$tmp/a-file/out" --compare "$here/fake-fa-compare" \
      "${sweep_flags[@]}"
    check "exit 2" [ "$rc" -eq 2 ]
    check "one line naming the dir and why" one_line_naming "cannot create --out-dir $tmp/a-file/out (Not a directory)"
    ;;
  broken-pipe)
    # stdout and stderr a pipe whose reader is gone before scripts/ab starts (a FIFO opened
    # read-write, then the only reader closed): every log line fails with EPIPE. It died of
    # SIGPIPE at its first line (exit 141, nothing run).
    mkfifo "$tmp/fifo"
    exec 4<>"$tmp/fifo" 5>"$tmp/fifo"
    exec 4<&-
    FAKE_COMPARE_EXIT=1 "$ab" "$fake" "$fake" --rounds 2 --out-dir "$tmp/out" \
      --compare "$here/fake-fa-compare" "${sweep_flags[@]}" >&5 2>&5
    rc=$?
    exec 5>&-
    echo "scripts/ab into a closed pipe -> exit $rc"
    check "exit as fa-compare (1)" [ "$rc" -eq 1 ]
    check "both rounds and the verdicts written" ls "$tmp/out/base-02.json" "$tmp/out/head-02.json" \
      "$tmp/out/verdict.md" "$tmp/out/verdict.json"
    ;;
  interrupted-round)
    # A signal to scripts/ab alone while a round's fa-sweep runs: the fa-sweep went on as an
    # orphan (and SIGINT waited for it, bash running traps only after a foreground command).
    for signal in TERM INT; do
      rm -rf "$tmp/out" "$tmp/sweep-pid"
      FAKE_HANG=base-01,head-01 FAKE_PID_FILE=$tmp/sweep-pid env --default-signal=INT,QUIT \
        "$ab" "$fake" "$fake" --rounds 3 --out-dir "$tmp/out" --compare "$here/fake-fa-compare" \
        "${sweep_flags[@]}" >"$tmp/stdout" 2>"$tmp/stderr" &
      ab_pid=$!
      for _ in $(seq 200); do [ -s "$tmp/sweep-pid" ] && break; sleep 0.05; done
      kill -s "$signal" "$ab_pid"
      wait "$ab_pid"
      rc=$?
      echo "scripts/ab, SIG$signal in round 1 -> exit $rc; stderr:"; sed 's/^/  | /' "$tmp/stderr"
      sweep_pid=$(cat "$tmp/sweep-pid")
      check "SIG$signal: exit 128 + the signal" [ "$rc" -eq $((128 + $(kill -l "$signal"))) ]
      check "SIG$signal: the running fa-sweep ended with it" not_running "$sweep_pid"
      check "SIG$signal: said where the rounds are" grep -q "interrupted by SIG$signal in round 1" "$tmp/stderr"
      check "SIG$signal: no verdict" none_exist "$tmp/out/verdict.md" "$FAKE_COMPARE_LOG"
    done
    ;;
  control-patch-applies)
    # The positive control must keep applying to the tree it controls (regenerate it if not:
    # docs/ab.md).
    check "scripts/ab-control.patch applies to the working tree" control_patch_applies
    ;;
  *)
    echo "unknown case $case"
    exit 1
    ;;
esac
exit $failed
