#!/usr/bin/env python3
"""fa-sweep (CPU backend) and py-sweep (--device cpu) on the same config and shapes write the one
report format: the same schema version, the same case names (py-sweep's variants are fa-sweep's
with a "py-" prefix; fa-sweep's floor case has no Python twin) and the same context keys (both have
every key the harness requires, and neither has a key the harness does not know).

usage: report_schema_match.py FA_SWEEP PY_SWEEP CONFIG
Needs fa_versus_ext importable (FA_VERSUS_EXT_DIR), hence Python torch >= 2.4.
"""

import json
import os
import subprocess
import sys
import tempfile

SHAPES = "b:2/"  # one grid shape of the smoke config: a few seconds on the CPU
RUN = ["--iterations", "2", "--repetitions", "2", "--filter", SHAPES]


def run(command):
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        sys.exit(f"FAIL: {' '.join(command)} exited {result.returncode}:\n{result.stderr}")


def load(path):
    with open(path, encoding="utf-8") as file:
        return json.load(file)


def case_names(report, strip_prefix):
    names = set()
    for row in report["benchmarks"]:
        # fwd/<variant>/b:/s:/h:/d:/<dtype>/<mode>: 8 segments; Google Benchmark appends its run
        # options ("/iterations:2/manual_time").
        name = "/".join(row["run_name"].split("/")[:8])
        if strip_prefix:
            name = name.replace("fwd/py-", "fwd/", 1)
        names.add(name)
    return names


def main():
    fa_sweep, py_sweep, config = sys.argv[1:4]
    sys.path.insert(0, os.path.join(os.path.dirname(py_sweep), "..", "python"))
    from fa_versus import _ext

    ext = _ext.load_extension()
    failures = []
    with tempfile.TemporaryDirectory() as directory:
        fa_out = os.path.join(directory, "fa.json")
        py_out = os.path.join(directory, "py.json")
        run([fa_sweep, "--config", config, "--backend", "cpu", *RUN, "--out", fa_out])
        run([sys.executable, py_sweep, "--config", config, "--device", "cpu", "--warmup", "0",
             "--kernel-samples", "1", *RUN, "--out", py_out])
        fa, py = load(fa_out), load(py_out)

    key = ext.schema_version_key
    if not (fa["context"].get(key) == py["context"].get(key) == ext.report_schema_version):
        failures.append(f"schema versions differ: fa-sweep {fa['context'].get(key)!r}, "
                        f"py-sweep {py['context'].get(key)!r}")

    fa_cases = {n for n in case_names(fa, False) if not n.startswith("fwd/empty/")}
    py_cases = case_names(py, True)
    if fa_cases != py_cases or not fa_cases:
        failures.append(f"case names differ: only fa-sweep {sorted(fa_cases - py_cases)}, "
                        f"only py-sweep {sorted(py_cases - fa_cases)}")

    required = set(ext.required_context_keys())
    known = set(ext.harness_context_keys())
    for tool, report in (("fa-sweep", fa), ("py-sweep", py)):
        keys = set(report["context"])
        if required - keys:
            failures.append(f"{tool} lacks required context keys {sorted(required - keys)}")
        if keys - known:
            failures.append(f"{tool} has context keys the harness does not list "
                            f"{sorted(keys - known)} (harness/report/context_keys.cpp)")
    if set(fa["context"]) & required != set(py["context"]) & required:
        failures.append("the required context keys differ between the two reports")

    for failure in failures:
        print(f"FAIL: {failure}")
    if not failures:
        print(f"ok: schema {ext.report_schema_version}, {len(fa_cases)} cases, "
              f"{len(required)} required context keys in both reports")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
