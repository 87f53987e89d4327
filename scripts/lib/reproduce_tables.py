#!/usr/bin/env python3
"""The tables of README.md and docs/findings.md, read from scripts/reproduce's outputs (issue 16).

  reproduce_tables.py check-commits DIR COMMIT   every report under DIR says git_commit COMMIT
  reproduce_tables.py render ROOT [--into DOC...] ROOT/tables.md from ROOT/<part>/compare-*.json
                                                 (fa-compare --format json) and the reports; with
                                                 --into, each DOC's regions between
                                                 <!-- reproduce:NAME --> and <!-- /reproduce:NAME -->
                                                 replaced by section NAME

Every number comes from a file; a missing file gives "pending (part P: FILE)", never a number.
The inputs must name one commit (exit 2 otherwise). Standard library only (no torch).
"""

import json
import re
import statistics
import sys
from pathlib import Path

HEADLINE = [(2, 50), (2, 300), (32, 150), (512, 50), (512, 300)]
PHASE_SHAPES = [(2, 50), (32, 150), (512, 300)]
PART_OF = {"cpp": 1, "python": 2, "ab": 3, "kernel": 4, "model": 5}


def fail(message):
    print(f"reproduce_tables: {message}", file=sys.stderr)
    sys.exit(2)


def load(path):
    try:
        return json.loads(Path(path).read_text())
    except OSError:
        return None
    except ValueError as error:
        fail(f"{path}: not JSON ({error})")


def is_report(data):
    return isinstance(data, dict) and "benchmarks" in data and isinstance(data.get("context"), dict)


# --- check-commits ---------------------------------------------------------------------------


def check_commits(directory, commit):
    reports = 0
    for path in sorted(Path(directory).rglob("*.json")):
        data = load(path)
        if not is_report(data):
            continue
        reports += 1
        found = data["context"].get("git_commit")
        if found != commit:
            fail(f"{path}: context.git_commit is {found!r}, expected {commit!r}")
    print(f"{reports} report(s) under {directory} say git_commit {commit}")


# --- reading fa-compare's JSON ---------------------------------------------------------------


class Inputs:
    """The compare files of one reproduce run, and the commit they all name."""

    def __init__(self, root):
        self.root = Path(root)
        self.commits = {}

    def compare(self, part, name):
        path = self.root / part / name
        data = load(path)
        if data is None:
            return None
        for side in ("baseline", "contender"):
            context = (data.get(side) or {}).get("context") or {}
            self.commits.setdefault(context.get("git_commit", "unknown"), str(path))
        return data

    def report(self, part, name):
        data = load(self.root / part / name)
        if is_report(data):
            self.commits.setdefault(data["context"].get("git_commit", "unknown"),
                                    str(self.root / part / name))
            return data
        return None

    def pending(self, part, name):
        return f"pending (part {PART_OF[part]} {part}: {part}/{name})"


def case_at(comparison, batch, seqlen, mode="eager"):
    for case in comparison.get("cases", []):
        key = case.get("key") or {}
        if (key.get("batch"), key.get("seqlen"), key.get("mode")) == (batch, seqlen, mode):
            return case
    return None


def ratio_cell(case):
    if case is None or case.get("ratio") is None:
        return "no case"
    text = f"{case['ratio']:.3f}"
    if case.get("ci_low") is not None and case.get("ci_high") is not None:
        text += f" [{case['ci_low']:.3f}, {case['ci_high']:.3f}]"
    return f"{text} {case.get('verdict', '')}".strip()


def median_us(case, side):
    value = (case or {}).get(side, {}).get("median_us")
    return "-" if value is None else f"{value:.2f}"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def shape(batch, seqlen):
    return f"({batch}, {seqlen})"


# --- sections --------------------------------------------------------------------------------


def section_commit(inputs):
    data = inputs.compare("cpp", "compare-e2e.json")
    if data is None:
        return inputs.pending("cpp", "compare-e2e.json")
    context = data["baseline"]["context"]
    return (f"Commit `{context.get('git_commit')}`, {context.get('gpu_name')} "
            f"(CUDA driver API {context.get('cuda_driver_version')}, CUDA runtime "
            f"{context.get('cuda_runtime_version')}, LibTorch {context.get('libtorch_version')}), "
            f"C++ sweep of {context.get('date')}; reports and fa-compare outputs in "
            f"`results/h200/reproduce/`.")


def section_headline(inputs):
    sources = [("C++ e2e", "cpp", "compare-e2e.json", "eager"),
               ("Python e2e", "python", "compare-e2e.json", "eager"),
               ("kernel", "cpp", "compare-kernel.json", "eager"),
               ("C++ CUDA graph e2e", "cpp", "compare-e2e.json", "graph"),
               ("C++ e2e, 12 processes", "ab", "compare-variants-e2e.json", "eager")]
    loaded = [(label, part, name, mode, inputs.compare(part, name))
              for label, part, name, mode in sources]
    rows = []
    for batch, seqlen in HEADLINE:
        row = [shape(batch, seqlen)]
        for _label, part, name, mode, data in loaded:
            row.append(inputs.pending(part, name) if data is None
                       else ratio_cell(case_at(data, batch, seqlen, mode)))
        rows.append(row)
    header = ["(batch, seq), 16 heads, head_dim 16, fp16"]
    header += [f"{label}: 2.7.0 / 2.6.3" for label, *_ in sources]
    return (table(header, rows) + "\n\nRatio of medians [95% interval] and fa-compare's verdict "
            "(threshold 5%); the last column has the process as the unit (fa-compare --base/--head).")


def section_claim1(inputs):
    out = []
    for label, part, prefix in (("C++ stand-ins", "cpp", "compare"), ("Python layers", "python", "compare")):
        e2e, host = inputs.compare(part, f"{prefix}-e2e.json"), inputs.compare(part, f"{prefix}-host.json")
        if e2e is None or host is None:
            out.append(f"{label}: {inputs.pending(part, f'{prefix}-e2e.json / {prefix}-host.json')}")
            continue
        rows = []
        for seqlen in (50, 150, 300):
            case, host_case = case_at(e2e, 2, seqlen), case_at(host, 2, seqlen)
            p = (case or {}).get("p_value")
            rows.append([shape(2, seqlen), median_us(case, "baseline"), median_us(case, "contender"),
                         ratio_cell(case), "-" if p is None else f"{p:.2g}",
                         f"{median_us(host_case, 'baseline')} -> {median_us(host_case, 'contender')}"])
        out.append(f"{label}:\n\n" + table(
            ["shape", "e2e 2.6.3 (us)", "e2e 2.7.0 (us)", "2.7.0 / 2.6.3", "p", "host_us 2.6.3 -> 2.7.0"],
            rows))
    return "\n\n".join(out)


def section_claim2(inputs):
    rows = []
    for label, part, name, mode in (("C++ eager", "cpp", "compare-e2e.json", "eager"),
                                    ("C++ graph", "cpp", "compare-e2e.json", "graph"),
                                    ("Python eager", "python", "compare-e2e.json", "eager")):
        data = inputs.compare(part, name)
        if data is None:
            rows.append([label, "-", inputs.pending(part, name), ""])
            continue
        for group in data.get("groups", []):
            if not group.get("group", "").endswith(f"/{mode}"):
                continue
            crossover = group.get("crossover_batch")
            geomean = group.get("geomean_ratio")
            rows.append([label, group.get("seqlen"), "-" if geomean is None else f"{geomean:.3f}",
                         f"batch {crossover}" if crossover is not None else group.get("crossover_note", "")])
    return table(["layer", "seq", "geomean 2.7.0 / 2.6.3", "crossover (every larger batch same)"], rows)


def counts_cell(data):
    counts = data.get("verdict_counts") or data.get("counts") or {}
    return ", ".join(f"{number} {verdict}" for verdict, number in counts.items() if number)


def section_claim3(inputs):
    rows = []
    for label, part in (("C++", "cpp"), ("Python", "python")):
        data = inputs.compare(part, "compare-kernel.json")
        if data is None:
            rows.append([label, inputs.pending(part, "compare-kernel.json"), "", ""])
            continue
        ratios = [c["ratio"] for c in data.get("cases", []) if c.get("ratio") is not None]
        small = case_at(data, 2, 50)
        rows.append([label, counts_cell(data),
                     f"{min(ratios):.3f} to {max(ratios):.3f}" if ratios else "-",
                     f"{median_us(small, 'baseline')} / {median_us(small, 'contender')}"])
    return table(["layer", "kernel_us verdicts", "ratio range", "(2, 50) kernel us 2.6.3 / 2.7.0"], rows)


def phase_cell(phase):
    low, high = phase.get("ci_low_us"), phase.get("ci_high_us")
    interval = "" if low is None or high is None else f" [{low:+.2f}, {high:+.2f}]"
    return f"{phase['phase']} {phase['difference_us']:+.2f}{interval}"


def section_claim4(inputs):
    rows = []
    for label, part in (("C++", "cpp"), ("Python", "python")):
        data = inputs.compare(part, "compare-host.json")
        if data is None:
            rows.append([label, "", inputs.pending(part, "compare-host.json"), "", ""])
            continue
        for batch, seqlen in PHASE_SHAPES:
            case = case_at(data, batch, seqlen)
            if case is None:
                continue
            phases = case.get("phases") or []
            base, cont = case["baseline"].get("median_us"), case["contender"].get("median_us")
            host_difference = "-" if base is None or cont is None else f"{cont - base:+.2f}"
            named = sum(p["difference_us"] for p in phases if p["phase"] != "unattributed")
            top = sorted(phases, key=lambda p: -abs(p["difference_us"]))[:4]
            rows.append([label, shape(batch, seqlen), host_difference,
                         "; ".join(phase_cell(p) for p in top) or case.get("phase_note", "no phases"),
                         f"{named:+.2f}" if phases else "-"])
    return table(["layer", "shape", "host_us 2.7.0 - 2.6.3", "largest phase differences (us) [95%]",
                  "sum of named phases"], rows)


def section_claim5(inputs):
    rows = []
    # (part, compare file, the mode its cases carry): compile variants run as eager cases.
    sources = [("python", f"compare-compile-{mode}-vs-py-v2.6.3-e2e.json", "eager") for mode in
               ("default", "reduce-overhead")] + [("python", "compare-graph-e2e.json", "graph"),
                                                  ("cpp", "compare-e2e.json", "graph")]
    loaded = [(part, name, mode, inputs.compare(part, name)) for part, name, mode in sources]
    for batch, seqlen in HEADLINE:
        row = [shape(batch, seqlen)]
        for part, name, mode, data in loaded:
            row.append(inputs.pending(part, name) if data is None
                       else ratio_cell(case_at(data, batch, seqlen, mode)))
        rows.append(row)
    return table(["shape", "compile default / py 2.6.3 eager", "compile reduce-overhead / py 2.6.3 eager",
                  "Python graph 2.7.0 / 2.6.3", "C++ graph 2.7.0 / 2.6.3"], rows)


def section_which(inputs):
    out = []
    for label, part, mode in (("C++ eager", "cpp", "eager"), ("C++ graph", "cpp", "graph"),
                              ("Python eager", "python", "eager")):
        data = inputs.compare(part, "compare-e2e.json")
        if data is None:
            out.append(f"{label}: {inputs.pending(part, 'compare-e2e.json')}")
            continue
        groups = [g for g in data.get("groups", []) if g.get("group", "").endswith(f"/{mode}")]
        if not groups:
            out.append(f"{label}: no {mode} cases in {part}/compare-e2e.json")
            continue
        batches = sorted({r["batch"] for g in groups for r in g.get("recommendations", [])})
        rows = [[g.get("seqlen")] + [next((r["use"] for r in g["recommendations"] if r["batch"] == b), "-")
                                     for b in batches] for g in groups]
        out.append(f"{label}:\n\n" + table(["seq \\ batch"] + [str(b) for b in batches], rows))
    return "\n\n".join(out)


def section_kernel(inputs):
    rows = []
    loaded = [(sdpa, inputs.compare("kernel", f"compare-core-vs-{sdpa}-kernel.json"))
              for sdpa in ("sdpa-flash", "sdpa-cudnn", "sdpa-efficient")]
    for batch, seqlen in HEADLINE:
        row, core = [shape(batch, seqlen)], None
        for sdpa, data in loaded:
            if data is None:
                row.append(inputs.pending("kernel", f"compare-core-vs-{sdpa}-kernel.json"))
                continue
            case = case_at(data, batch, seqlen)
            core = core or median_us(case, "contender")
            row.append(f"{median_us(case, 'baseline')} us, core / it {ratio_cell(case)}")
        rows.append([row[0], core or "-"] + row[1:])
    counts = "; ".join(f"{sdpa}: {counts_cell(data)}" for sdpa, data in loaded if data is not None)
    return (table(["shape", "core kernel us", "sdpa-flash", "sdpa-cudnn", "sdpa-efficient"], rows)
            + (f"\n\nVerdicts of the core against each, all 27 shapes: {counts}." if counts else ""))


def section_aa(inputs):
    rows = []
    for metric in ("e2e", "host"):
        data = inputs.compare("ab", f"compare-aa-{metric}.json")
        if data is None:
            rows.append([metric, inputs.pending("ab", f"compare-aa-{metric}.json"), "", "", ""])
            continue
        cases = data.get("cases", [])
        def spread(values):
            values = [v for v in values if v is not None]
            return f"{min(values):.1%} to {max(values):.1%}" if values else "-"
        small = [c.get("mde") for c in cases if (c.get("key") or {}).get("batch", 0) <= 16]
        large = [c.get("mde") for c in cases if (c.get("key") or {}).get("batch", 0) >= 256]
        between = [c["between_process_cv"] for c in cases if c.get("between_process_cv") is not None]
        rows.append([metric, f"{counts_cell(data)} ({data.get('rounds')} rounds, {data.get('correction')})",
                     spread(small), spread(large),
                     f"{statistics.median(between):.1%}" if between else "-"])
    exit_code = (inputs.root / "ab" / "ab-exit.txt")
    note = (f"\n\nscripts/ab's exit (fa-compare --fail-on regression): {exit_code.read_text().strip()}."
            if exit_code.is_file() else "")
    return table(["metric", "A/A verdicts", "mde, batch <= 16", "mde, batch >= 256",
                  "between-process CV (median)"], rows) + note


def section_ab_variants(inputs):
    data = inputs.compare("ab", "compare-variants-e2e.json")
    if data is None:
        return inputs.pending("ab", "compare-variants-e2e.json")
    rows = [[shape(b, s), median_us(case_at(data, b, s), "baseline"),
             median_us(case_at(data, b, s), "contender"), ratio_cell(case_at(data, b, s)),
             "-" if (case_at(data, b, s) or {}).get("mde") is None else f"{case_at(data, b, s)['mde']:.1%}"]
            for b, s in HEADLINE]
    return (table(["shape", "e2e 2.6.3 (us)", "e2e 2.7.0 (us)", "2.7.0 / 2.6.3 [95%] verdict", "mde"], rows)
            + f"\n\nAll cases: {counts_cell(data)} ({data.get('rounds')} processes, {data.get('correction')}).")


def section_floor(inputs):
    report = inputs.report("cpp", "article.json")
    if report is None:
        return inputs.pending("cpp", "article.json")
    rows = []
    for mode in ("eager", "graph"):
        iterations = [b for b in report["benchmarks"] if b.get("run_type") == "iteration"
                      and b.get("name", "").startswith("fwd/empty/") and f"/{mode}" in b["name"]]
        if not iterations:
            continue
        cells = []
        for counter in ("e2e_us", "host_us", "kernel_us"):
            values = [b[counter] for b in iterations if isinstance(b.get(counter), (int, float))]
            cells.append(f"{statistics.median(values):.2f} us" if values else "-")
        rows.append([mode] + cells)
    return table(["floor case (an empty kernel through the same timed loop)", "e2e", "host", "kernel"], rows)


def section_model(inputs):
    """Per mode, the model forward with 2.7.0's layer against 2.6.3's in the same mode (does the
    mode remove the overhead?), and the compiled 2.7.0 model against eager 2.6.3."""
    compiled = "compare-model-compile-{}-vs-py-model-v2.6.3{}-e2e.json"
    sources = [("eager", "compare-model-e2e.json", "eager"),
               ("CUDA graph", "compare-model-e2e.json", "graph")]
    for mode in ("default", "reduce-overhead"):
        sources.append((f"compile {mode}", compiled.format(mode, "-compile"), "eager"))
    sources.append(("compile reduce-overhead 2.7.0 / eager 2.6.3",
                    compiled.format("reduce-overhead", ""), "eager"))
    loaded = [(label, name, mode, inputs.compare("model", name)) for label, name, mode in sources]
    ratios, medians = [], []
    for batch, seqlen in HEADLINE:
        ratio_row, median_row = [shape(batch, seqlen)], [shape(batch, seqlen)]
        for index, (_label, name, mode, data) in enumerate(loaded):
            case = None if data is None else case_at(data, batch, seqlen, mode)
            ratio_row.append(inputs.pending("model", name) if data is None else ratio_cell(case))
            if index < 4:  # the last source repeats medians already shown
                median_row.append(f"{median_us(case, 'baseline')} / {median_us(case, 'contender')}")
        ratios.append(ratio_row)
        medians.append(median_row)
    ratio_header = ["shape"] + [f"{label}: 2.7.0 / 2.6.3" if index < 4 else label
                                for index, (label, _n, _m, _d) in enumerate(loaded)]
    median_header = ["shape"] + [f"{label}: e2e us 2.6.3 / 2.7.0" for label, *_ in loaded[:4]]
    return (table(ratio_header, ratios) + "\n\n" + table(median_header, medians) +
            "\n\nRatio of medians [95% interval] and verdict (threshold 5%), both variants "
            "in one process, interleaved; compile modes compare the two compiled models.")


SECTIONS = {
    "commit": section_commit, "headline": section_headline, "claim1": section_claim1,
    "claim2": section_claim2, "claim3": section_claim3, "claim4": section_claim4,
    "claim5": section_claim5, "which": section_which, "kernel-sdpa": section_kernel,
    "aa": section_aa, "ab-variants": section_ab_variants, "floor": section_floor,
    "model": section_model,
}


def render(root, into):
    inputs = Inputs(root)
    sections = {name: make(inputs) for name, make in SECTIONS.items()}
    known = {c for c in inputs.commits if c != "unknown"}
    if len(inputs.commits) > 1:
        listing = ", ".join(f"{c} ({path})" for c, path in inputs.commits.items())
        fail(f"{root}: the inputs name {len(inputs.commits)} commits, not one: {listing}")
    if not known and inputs.commits:
        fail(f"{root}: the inputs carry no commit (git_commit unknown): {next(iter(inputs.commits.values()))}")
    text = ["# Tables of the reproduce run (scripts/reproduce tables; do not edit: regenerate)", ""]
    for name, body in sections.items():
        text += [f"<!-- reproduce:{name} -->", body, f"<!-- /reproduce:{name} -->", ""]
    out = Path(root) / "tables.md"
    out.write_text("\n".join(text))
    print(f"wrote {out} ({len(sections)} sections, commit {', '.join(sorted(known)) or 'none yet'})")
    for doc in into:
        fill(Path(doc), sections)


def fill(doc, sections):
    """Each <!-- reproduce:NAME --> ... <!-- /reproduce:NAME --> region of DOC gets section NAME."""
    try:
        text = doc.read_text()
    except OSError as error:
        fail(f"--into {doc}: {error.strerror}")
    pattern = re.compile(r"(<!-- reproduce:([a-z0-9-]+) -->\n).*?(\n<!-- /reproduce:\2 -->)", re.S)
    unknown = [m.group(2) for m in pattern.finditer(text) if m.group(2) not in sections]
    if unknown:
        fail(f"{doc}: unknown reproduce region(s): {', '.join(unknown)} (known: {', '.join(sections)})")
    filled, count = pattern.subn(lambda m: m.group(1) + sections[m.group(2)] + m.group(3), text)
    doc.write_text(filled)
    print(f"filled {count} region(s) of {doc}")


def main(argv):
    if len(argv) == 3 and argv[0] == "check-commits":
        check_commits(argv[1], argv[2])
    elif len(argv) >= 2 and argv[0] == "render":
        into = argv[3:] if len(argv) > 2 and argv[2] == "--into" else []
        if len(argv) > 2 and argv[2] != "--into":
            fail(f"render: unknown argument {argv[2]}")
        render(argv[1], into)
    else:
        fail("usage: reproduce_tables.py check-commits DIR COMMIT | render ROOT [--into DOC...]")


if __name__ == "__main__":
    main(sys.argv[1:])
