#!/usr/bin/env bash
# scripts/reproduce on the CPU (issue 16): its plan and dry-run listing, the commit stamp, bad
# input, and the smoke run end to end with the real fa-sweep and fa-compare, in a throwaway git
# repository holding this tree's scripts and configs (so a clean and a dirty tree can be made).
# Usage: reproduce_test.sh SOURCE_DIR BUILD_DIR CASE; exit 0 passed, 1 failed, 77 skipped.
# shellcheck disable=SC2317  # the helpers run through check
set -uo pipefail
src=$1 build=$2 case=$3
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
command -v git >/dev/null 2>&1 || { echo "skipped: no git"; exit 77; }

failed=0
check() {
  local what=$1
  shift
  if "$@"; then echo "ok: $what"; else echo "FAILED: $what"; failed=1; fi
}
# run ARGS...: scripts/reproduce in the throwaway repository; rc, $tmp/stdout, $tmp/stderr.
run() {
  (cd "$repo" && OUT="$tmp/out" FA_REPRO_BUILD_DIR="$build" "$repo/scripts/reproduce" "$@") \
    >"$tmp/stdout" 2>"$tmp/stderr"
  rc=$?
  echo "scripts/reproduce $* -> exit $rc"
  sed 's/^/  stderr| /' "$tmp/stderr" | tail -n 15
}
# One line of error (scripts/reproduce's own progress lines, "[fa-versus] ...", aside).
one_line_naming() { [ "$(grep -vc 'fa-versus\]' "$tmp/stderr")" -eq 1 ] && grep -q -- "$1" "$tmp/stderr"; }
nothing_out() { [ ! -e "$tmp/out" ]; }

# The throwaway repository: this tree's scripts and configs, committed.
repo=$tmp/repo
mkdir -p "$repo"
cp -R "$src/scripts" "$src/configs" "$src/.gitignore" "$repo/"
git -C "$repo" init -q
git -C "$repo" add -A
git -C "$repo" -c user.name=test -c user.email=test@localhost commit -q -m tree
commit=$(git -C "$repo" rev-parse HEAD)

case $case in
  plan)
    run plan
    check "exit 0" [ "$rc" -eq 0 ]
    for name in cpp python ab kernel model; do
      check "part $name listed with seconds" grep -Eq "^[1-5] +$name +[0-9]+ +[0-9]+ " "$tmp/stdout"
    done
    check "a total" grep -q '^total: [0-9]* s' "$tmp/stdout"
    check "nothing written" nothing_out
    ;;
  dry-run)
    run all --dry-run
    check "exit 0" [ "$rc" -eq 0 ]
    check "every part names the commit" [ "$(grep -c "^part [1-5] (.*), commit $commit," "$tmp/stdout")" -eq 5 ]
    check "the C++ sweep: article, both modes" grep -q "sweep .*fa-sweep --config configs/article.json --mode both" "$tmp/stdout"
    check "the Python compile variants at the headline shapes" grep -q "compile-reduce-overhead .*--compile --compile-mode reduce-overhead" "$tmp/stdout"
    check "the A/A through scripts/ab" grep -q "rounds  *run_ab" "$tmp/stdout"
    check "v2.6.3 vs v2.7.0 across processes" grep -q "compare-variants-e2e .*--baseline v2.6.3 --contender v2.7.0" "$tmp/stdout"
    check "the kernel against SDPA" grep -q "compare-sdpa-cudnn .*kernel-article.json sdpa-cudnn v2.6.3" "$tmp/stdout"
    check "Nsight Systems" grep -q "nsys-phases .*FA_NSYS_PHASES=1" "$tmp/stdout"
    check "the model forward, eager and graph" grep -q "model .*configs/py-model.json --workload model --mode both" "$tmp/stdout"
    check "the model under reduce-overhead" grep -q "model-compile-reduce-overhead .*--workload model --compile --compile-mode reduce-overhead" "$tmp/stdout"
    check "each part ends with the commit check" [ "$(grep -c "commits .*check-commits .* $commit" "$tmp/stdout")" -eq 5 ]
    check "nothing written" nothing_out
    ;;
  unknown-part)
    run part 9
    check "exit 2" [ "$rc" -eq 2 ]
    check "one line naming the part and the known ones" one_line_naming "unknown part '9': expected 1-5 or a name (cpp python ab kernel model)"
    run part 1 --fast
    check "an unknown option: exit 2" [ "$rc" -eq 2 ]
    check "nothing written" nothing_out
    ;;
  dirty-tree)
    echo '{}' >"$repo/configs/smoke.json"
    run stamp
    check "stamp refuses: exit 2" [ "$rc" -eq 2 ]
    check "one line saying dirty, naming the file" one_line_naming "the tree is dirty (1 path(s), first: configs/smoke.json)"
    check "no stamp written" [ ! -e "$repo/.repro/stamp.json" ]
    run part 1 --dry-run
    check "no stamp and a dirty tree: part refuses, exit 2" [ "$rc" -eq 2 ]
    check "nothing written" nothing_out
    run stamp --allow-dirty
    check "--allow-dirty stamps" [ "$rc" -eq 0 ]
    run part 1 --dry-run
    check "the dry run names the commit -dirty" grep -q "commit $commit-dirty," "$tmp/stdout"
    check "and warns loudly" grep -q "WARNING: DIRTY TREE" "$tmp/stderr"
    ;;
  changed-after-stamp)
    run stamp
    check "stamp of a clean tree: exit 0" [ "$rc" -eq 0 ]
    check "the stamp names HEAD" grep -q "\"commit\": \"$commit\"" "$repo/.repro/stamp.json"
    echo '# edited after the stamp' >>"$repo/scripts/ab"
    run part cpp --dry-run
    check "exit 2" [ "$rc" -eq 2 ]
    check "one line naming the changed file" one_line_naming "1 file(s) differ, first: scripts/ab (changed)"
    check "nothing written" nothing_out
    ;;
  smoke-commit)
    if [ ! -x "$build/harness/sweep/fa-sweep" ] || [ ! -x "$build/harness/compare/fa-compare" ]; then
      echo "skipped: no fa-sweep/fa-compare in $build"
      exit 77
    fi
    mkdir -p "$tmp/aa/harness/sweep"
    ln -s "$build/harness/sweep/fa-sweep" "$tmp/aa/harness/sweep/fa-sweep"
    run stamp
    export FA_REPRO_SMOKE=1 FA_REPRO_NO_BUILD=1 FA_REPRO_AA_BUILD_DIR=$tmp/aa
    run part cpp
    check "part cpp: exit 0" [ "$rc" -eq 0 ]
    run part ab
    check "part ab: exit 0" [ "$rc" -eq 0 ]
    check "part ab: the variant verdict over the processes" \
      grep -q "^compare-variants-e2e	0	" "$tmp/out/reproduce/ab/steps.tsv"
    check "part ab: its A/A ran" grep -q "^rounds	0	" "$tmp/out/reproduce/ab/steps.tsv"
    mkdir -p "$tmp/results"
    for tarball in "$tmp"/out/reproduce-1-cpp.tar.gz "$tmp"/out/reproduce-3-ab.tar.gz; do
      check "$(basename "$tarball") unpacks" tar -xzf "$tarball" -C "$tmp/results"
    done
    reports=$(grep -rl '"benchmarks"' "$tmp/results/reproduce" --include='*.json' | wc -l)
    check "the reports are there (1 sweep + 4 A/A processes)" [ "$reports" -ge 5 ]
    check "every report says git_commit $commit" \
      python3 "$src/scripts/lib/reproduce_tables.py" check-commits "$tmp/results/reproduce" "$commit"
    check "commit.txt names it" grep -qx "$commit" "$tmp/results/reproduce/cpp/commit.txt"
    cat >"$tmp/doc.md" <<'EOF'
before
<!-- reproduce:claim3 -->
pending
<!-- /reproduce:claim3 -->
after
EOF
    run tables "$tmp/results/reproduce" --compare "$build/harness/compare/fa-compare" --into "$tmp/doc.md"
    check "tables: exit 0, or 1 for the variant form fa-compare lacks so far" [ "$rc" -le 1 ]
    check "tables.md names the commit" grep -q "Commit \`$commit\`" "$tmp/results/reproduce/tables.md"
    check "the doc's region filled from the kernel comparison" grep -Eq "^\| C\+\+ \| [0-9]+ [a-z]" "$tmp/doc.md"
    check "the doc's text around it kept" grep -qx after "$tmp/doc.md"
    check "a missing part says pending, not a number" grep -q "pending (part 2 python: python/compare-e2e.json)" "$tmp/results/reproduce/tables.md"
    # A report of another commit among them: refused, by file.
    python3 - "$tmp/results/reproduce/cpp/compare-e2e.json" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
data["contender"]["context"]["git_commit"] = "0" * 40
json.dump(data, open(sys.argv[1], "w"))
PY
    python3 "$src/scripts/lib/reproduce_tables.py" render "$tmp/results/reproduce" >"$tmp/stdout" 2>"$tmp/stderr"
    rc=$?
    check "two commits among the inputs: exit 2" [ "$rc" -eq 2 ]
    check "naming the other commit" grep -q "0000000000000000000000000000000000000000" "$tmp/stderr"
    ;;
  *) echo "unknown case $case"; exit 1 ;;
esac
exit $failed
