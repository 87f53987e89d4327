#!/usr/bin/env python3
"""Several py-sweep runs of one grid side by side: does a run's first case match its re-run,
where did the timing thread run, and how far do the runs' per-case medians lie apart.

Usage: drift_summary.py NAME=REPORT [NAME=REPORT ...] [--reference NAME]

Reads each report's context (warmup_check, host_cpu) and its rows (e2e_us per repetition) and
prints markdown: one line per run, then each run's per-case e2e medians against the reference
run's (the first unless --reference names one), and each run's 2.7.0 / 2.6.3 at the first case.
The stage `scripts/gpu-session.sh py-drift` runs the grid pinned and unpinned and calls this;
docs/python-layer.md ("Warm-up") reads its output. Ratios of medians only: the statistics with
intervals are fa-compare's.
"""

import argparse
import json
import math
import statistics
import sys
from collections import defaultdict


def case_medians(report):
    """{case name: median e2e_us over its repetitions} of one report's iteration rows."""
    samples = defaultdict(list)
    for row in report["benchmarks"]:
        if row.get("run_type", "iteration") == "iteration" and "e2e_us" in row:
            samples[row["run_name"]].append(row["e2e_us"])
    return {name: statistics.median(values) for name, values in samples.items()}


def cpu_ranges(cpus):
    """[0, 1, 2, 5] -> "0-2,5"."""
    parts, start = [], None
    for i, cpu in enumerate(cpus):
        if start is None:
            start = cpu
        if i + 1 == len(cpus) or cpus[i + 1] != cpu + 1:
            parts.append(f"{start}" if start == cpu else f"{start}-{cpu}")
            start = None
    return ",".join(parts) or "?"


def run_line(name, report):
    context = report["context"]
    cpu = context.get("host_cpu", {})
    first = context.get("warmup_check", {}).get("first_case", {})
    checks = "; ".join(
        f"{entry} {e['first_e2e_us']:.2f} / {e['rerun_e2e_us']:.2f} = {e['e2e_ratio']:.3f}"
        + (" FLAGGED" if e["flagged"] else "")
        for entry, e in first.get("entries", {}).items())
    switches = cpu.get("involuntary_context_switches")
    return (f"| {name} | {cpu_ranges(cpu.get('affinity', []))} | "
            f"{cpu_ranges(cpu.get('cpus_seen', []))} | "
            f"{'?' if switches is None else switches} | {checks or 'no re-run'} |")


def ratio_summary(ratios):
    ratios = sorted(ratios)
    geomean = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
    return (f"{ratios[0]:.3f} | {statistics.median(ratios):.3f} | {ratios[-1]:.3f} | "
            f"{geomean:.3f}")


def variant_ratio(medians, case, baseline="py-v2.6.3", contender="py-v2.7.0"):
    """contender / baseline at one case name of the baseline, or None."""
    other = case.replace(f"/{baseline}/", f"/{contender}/")
    if other == case or other not in medians:
        return None
    return medians[other] / medians[case]


def summarize(runs, reference):
    """runs: [(name, report)] in order; reference: the name the ratios divide by."""
    by_name = dict(runs)
    base = case_medians(by_name[reference])
    # The rows keep the run's order, so the first 2.6.3 case is the first shape's.
    first_case = next((case for case in base if "/py-v2.6.3/" in case), next(iter(base)))
    lines = ["| run | affinity | CPUs seen | involuntary switches | first case / its re-run (e2e us) |",
             "| --- | --- | --- | --- | --- |"]
    lines += [run_line(name, report) for name, report in runs]
    lines += ["", f"Per-case e2e medians against `{reference}` (ratio of medians, over the cases "
              "both have), and 2.7.0 / 2.6.3 at the first case:", "",
              "| run | cases | min | median | max | geomean | 2.7.0 / 2.6.3 at "
              f"{first_case.split('/')[2]}/{first_case.split('/')[3]} |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    for name, report in runs:
        medians = case_medians(report)
        shared = [case for case in medians if case in base]
        if not shared:
            raise ValueError(f"{name}: no case in common with {reference}")
        headline = variant_ratio(medians, first_case)
        summary = ("(reference) | | | " if name == reference else
                   ratio_summary([medians[c] / base[c] for c in shared]))
        lines.append(f"| {name} | {len(shared)} | {summary} | "
                     f"{'' if headline is None else f'{headline:.3f}'} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", metavar="NAME=REPORT")
    parser.add_argument("--reference", help="the run the ratios divide by (default: the first)")
    args = parser.parse_args(argv)
    runs = []
    for spec in args.runs:
        name, sep, path = spec.partition("=")
        if not sep or not name or not path:
            parser.error(f"expected NAME=REPORT, got {spec!r}")
        with open(path, encoding="utf-8") as file:
            runs.append((name, json.load(file)))
    reference = args.reference or runs[0][0]
    if reference not in dict(runs):
        parser.error(f"--reference {reference!r} names no run ({', '.join(n for n, _ in runs)})")
    print(summarize(runs, reference))
    return 0


if __name__ == "__main__":
    sys.exit(main())
