#!/usr/bin/env python3
"""scripts/lib/drift_summary.py on two hand-made reports: the ratios it prints are the ones the
rows give, a flagged first case and the host CPUs are shown, and bad arguments are refused."""

import importlib.util
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("drift_summary",
                                              REPO / "scripts" / "lib" / "drift_summary.py")
drift = importlib.util.module_from_spec(spec)
spec.loader.exec_module(drift)


def report(e2e, first_ratio, affinity, switches):
    """Two shapes x two variants, three repetitions each; e2e: {(variant, batch): [us, ...]}."""
    rows = [{"run_name": f"fwd/{variant}/b:{batch}/s:50/h:16/d:16/fp16/eager/manual_time",
             "run_type": "iteration", "e2e_us": us}
            for (variant, batch), values in e2e.items() for us in values]
    entry = {"first_e2e_us": 30.0 * first_ratio, "rerun_e2e_us": 30.0,
             "e2e_ratio": first_ratio, "flagged": abs(first_ratio - 1) > 0.1}
    return {"benchmarks": rows,
            "context": {"host_cpu": {"affinity": affinity, "cpus_seen": affinity[:1],
                                     "involuntary_context_switches": switches},
                        "warmup_check": {"first_case": {"entries": {"py-v2.6.3/eager": entry}}}}}


PINNED = report({("py-v2.6.3", 2): [30, 31, 29], ("py-v2.7.0", 2): [60, 61, 66],
                 ("py-v2.6.3", 512): [400, 401, 399], ("py-v2.7.0", 512): [420, 421, 419]},
                first_ratio=1.01, affinity=[2], switches=2456)
# The case medians 1.1x the pinned run's, but 2.7.0's: 71.5 / 61 at batch 2, 1.05x at 512; a
# flagged first case.
UNPINNED = report({("py-v2.6.3", 2): [33, 34.1, 31.9], ("py-v2.7.0", 2): [70, 71.5, 75],
                   ("py-v2.6.3", 512): [440, 441.1, 438.9], ("py-v2.7.0", 512): [441, 442, 440]},
                  first_ratio=1.6, affinity=list(range(16)), switches=247)


def test_ratios_are_those_of_the_case_medians():
    text = drift.summarize([("pinned", PINNED), ("unpinned", UNPINNED)], "pinned")
    unpinned = next(line for line in text.splitlines() if line.startswith("| unpinned | 4 |"))
    cells = [cell.strip() for cell in unpinned.strip("|").split("|")]
    # Of (1.1, 71.5 / 61, 1.1, 1.05): min, median, max, geomean; 2.7.0 / 2.6.3 at b:2: 71.5 / 33.
    assert cells[2:6] == ["1.050", "1.100", "1.172", "1.105"], cells
    assert cells[6] == "2.167", cells
    pinned = next(line for line in text.splitlines() if line.startswith("| pinned | 4 |"))
    assert "(reference)" in pinned and pinned.rstrip().endswith("| 2.033 |"), pinned


def test_runs_show_their_cpus_switches_and_a_flagged_first_case():
    text = drift.summarize([("pinned", PINNED), ("unpinned", UNPINNED)], "pinned")
    assert "| pinned | 2 | 2 | 2456 | py-v2.6.3/eager 30.30 / 30.00 = 1.010 |" in text
    assert "| unpinned | 0-15 | 0 | 247 | py-v2.6.3/eager 48.00 / 30.00 = 1.600 FLAGGED |" in text
    assert drift.cpu_ranges([0, 1, 2, 5, 7, 8]) == "0-2,5,7-8"


def test_bad_arguments_are_refused():
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pinned.json"
        path.write_text(json.dumps(PINNED))
        for argv in (["pinned"], [f"pinned={path}", "--reference", "other"]):
            try:
                drift.main(argv)
            except SystemExit as exit_:
                assert exit_.code == 2, argv
            else:
                raise AssertionError(f"accepted {argv}")
        assert drift.main([f"pinned={path}"]) == 0
    try:
        drift.summarize([("a", PINNED), ("b", {"benchmarks": [], "context": {}})], "a")
    except ValueError as error:
        assert "b: no case in common with a" in str(error)
    else:
        raise AssertionError("a run without common cases was summarized")


if __name__ == "__main__":
    tests = [(name, fn) for name, fn in sorted(globals().items()) if name.startswith("test_")]
    for name, fn in tests:
        fn()
        print("ok", name)
    sys.exit(0)
