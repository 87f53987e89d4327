"""py-sweep's bookkeeping that needs no torch: when the warm-up has reached steady state, the
check of the first timed case against a re-run of it, and counter deltas. Plain Python, so
tests/python/test_sweep_plan.py runs it anywhere (python3 tests/python/test_sweep_plan.py).

Why a steady-state prime: the first timed case of a sweep ran before the GPU clocks, the CPU
and the interpreter's specialised paths had settled (issue 14.2: py-v2.6.3 at (2, 50) 51.4 us as
the first case, 32-35 us elsewhere). A fixed count of warm-up calls does not say when that has
happened; repeated rounds whose medians stop moving do.
"""

import statistics

# Variant names (case names' <variant>) per workload; fa_versus.sweep_workloads builds them.
ATTENTION_VARIANTS = ("py-v2.6.3", "py-v2.7.0")
ATTENTION_COMPILE_VARIANTS = ("py-v2.7.0-compile",)
MODEL_VARIANTS = ("py-model-v2.6.3", "py-model-v2.7.0")
MODEL_COMPILE_VARIANTS = ("py-model-v2.6.3-compile", "py-model-v2.7.0-compile")
ALL_VARIANTS = (ATTENTION_VARIANTS + ATTENTION_COMPILE_VARIANTS + MODEL_VARIANTS
                + MODEL_COMPILE_VARIANTS)

# Defaults of the prime before the first timed case (py-sweep's --prime-* flags).
PRIME_MIN_S = 1.0  # at least this long: GPU clocks ramp over hundreds of milliseconds
PRIME_MAX_S = 6.0  # at most this long, steady or not (the context then says not steady)
PRIME_TOLERANCE = 0.03  # a round's median within 3% of the round before it
PRIME_STEADY_ROUNDS = 2  # ... for this many consecutive rounds, for every entry

# The first case against its re-run: flagged when the e2e medians differ by more than this.
FIRST_CASE_TOLERANCE = 0.10


def steady(history, tolerance=PRIME_TOLERANCE, rounds=PRIME_STEADY_ROUNDS):
    """True when each of the last `rounds` round medians in `history` is within `tolerance`
    (relative) of the round before it."""
    if len(history) < rounds + 1:
        return False
    for previous, current in zip(history[-rounds - 1:-1], history[-rounds:]):
        if previous <= 0 or abs(current - previous) > tolerance * previous:
            return False
    return True


def prime_finished(histories, elapsed_s, min_s=PRIME_MIN_S, max_s=PRIME_MAX_S,
                   tolerance=PRIME_TOLERANCE, rounds=PRIME_STEADY_ROUNDS):
    """(finished, all steady) for the prime's round medians so far ({entry: [us per round]})."""
    all_steady = bool(histories) and all(steady(h, tolerance, rounds) for h in histories.values())
    if elapsed_s >= max_s:
        return True, all_steady
    return elapsed_s >= min_s and all_steady, all_steady


def prime_record(shape_label, histories, elapsed_s, all_steady, tolerance=PRIME_TOLERANCE,
                 clocks=None):
    """The report's record of the prime (context warmup_check.prime); `clocks`: e.g. the GPU's
    SM clock before and after it ({"sm_mhz_before": ..., "sm_mhz_after": ...}), which says
    whether the prime was the clocks ramping up."""
    record = {
        "shape": shape_label,
        "seconds": round(elapsed_s, 3),
        "rounds": max((len(h) for h in histories.values()), default=0),
        "steady": all_steady,
        "tolerance": tolerance,
        "round_median_e2e_us": {name: [round(us, 3) for us in h] for name, h in histories.items()},
    }
    if clocks:
        record["clocks"] = clocks
    return record


def _median_of(result, key):
    """Median over repetitions of one counter; None for a failed entry (an error string)."""
    if isinstance(result, str) or not result:
        return None
    return statistics.median(rep[key] for rep in result)


def first_case_check(shape_label, first, rerun, tolerance=FIRST_CASE_TOLERANCE):
    """The first timed case against its re-run at the end of the sweep.

    first, rerun: {entry: [per-repetition dicts with e2e_us, host_us] or an error string}.
    Returns the typed record the report's context carries (warmup_check.first_case): per entry
    the medians of both runs, their ratio first/re-run, and whether the gap exceeds tolerance."""
    entries = {}
    flagged = []
    for name in first:
        record = {}
        for key in ("e2e_us", "host_us"):
            a, b = _median_of(first.get(name), key), _median_of(rerun.get(name), key)
            stem = key[:-3]
            record[f"first_{key}"] = None if a is None else round(a, 3)
            record[f"rerun_{key}"] = None if b is None else round(b, 3)
            record[f"{stem}_ratio"] = None if a is None or b is None or b <= 0 else round(a / b, 4)
        ratio = record["e2e_ratio"]
        record["flagged"] = ratio is not None and abs(ratio - 1.0) > tolerance
        if record["flagged"]:
            flagged.append(name)
        entries[name] = record
    return {"shape": shape_label, "tolerance": tolerance, "entries": entries, "flagged": flagged}


def first_case_lines(check):
    """The summary's lines for a first_case_check record."""
    lines = [f"first case vs re-run at {check['shape']} (medians over repetitions; flagged when "
             f"e2e differs by more than {check['tolerance']:.0%}):"]
    for name, record in check["entries"].items():
        if record["e2e_ratio"] is None:
            lines.append(f"  {name:32} no comparison (a run failed)")
            continue
        lines.append(
            f"  {name:32} e2e {record['first_e2e_us']:9.2f} vs {record['rerun_e2e_us']:9.2f} us "
            f"(x{record['e2e_ratio']:.3f}), host {record['first_host_us']:9.2f} vs "
            f"{record['rerun_host_us']:9.2f} us{'  FLAGGED' if record['flagged'] else ''}")
    if not check["flagged"]:
        lines.append("  no entry flagged: the first case ran at steady state")
    return lines


def counter_delta(before, after):
    """after - before of nested counter dicts ({group: {name: count}}), nonzero entries only."""
    delta = {}
    for group, counts in after.items():
        earlier = before.get(group, {})
        changed = {name: count - earlier.get(name, 0) for name, count in counts.items()
                   if count != earlier.get(name, 0)}
        if changed:
            delta[group] = changed
    return delta


def split_entry(label):
    """'py-v2.6.3/graph' -> ('py-v2.6.3', 'graph'): an entry is a variant in one mode."""
    variant, _, mode = label.rpartition("/")
    if not variant or not mode:
        raise ValueError(f"entry label {label!r}: expected <variant>/<mode>")
    return variant, mode


def is_compiled(variant):
    """A torch.compile variant (its name ends in -compile)."""
    return variant.endswith("-compile")


def entry_label(variant, mode):
    return f"{variant}/{mode}"


WORKLOAD_VARIANTS = {
    "attention": (ATTENTION_VARIANTS, ATTENTION_COMPILE_VARIANTS),
    "model": (MODEL_VARIANTS, MODEL_COMPILE_VARIANTS),
}


def select_variants(workload, requested, config_variants, add_compile):
    """The variants to run: `requested` (--variants), else the config's of this workload, else
    the workload's two layers; plus its compile variants when add_compile. Raises ValueError
    with the message for a bad list."""
    plain, compiled = WORKLOAD_VARIANTS[workload]
    known = plain + compiled
    if requested is not None:
        names = [v.strip() for v in requested.split(",") if v.strip()]
        if not names:
            raise ValueError("--variants: empty list")
    else:
        names = [v for v in config_variants if v in known] or list(plain)
    if add_compile:
        names += [v for v in compiled if v not in names]
    for name in names:
        if name not in known:
            raise ValueError(f"--variants: unknown variant \"{name}\" for the {workload} "
                             f"workload (known: {', '.join(known)})")
    if len(set(names)) != len(names):
        raise ValueError("--variants: a variant is named twice")
    return names


def entry_labels(variants, modes, compiled_variants):
    """<variant>/<mode> for every variant and mode, in that order; compiled variants run eager
    only (graph mode captures the call itself: capturing torch.compile's output measures
    nothing of torch.compile)."""
    return [entry_label(v, m) for v in variants for m in modes
            if not (m == "graph" and v in compiled_variants)]
