#!/usr/bin/env python3
"""py-sweep: the Python layers of flash-attn 2.6.3 and 2.7.0 (python/fa_versus) over the same
attention core, swept over a config's grid into fa-sweep's report format (Google Benchmark JSON),
so fa-compare reads it unchanged.

Variants (the case names' <variant>):
  py-v2.6.3          fa_versus.v2_6_3.flash_attn_func: autograd.Function, direct pybind11 call
  py-v2.7.0          fa_versus.v2_7_0.flash_attn_func: autograd.Function, torch.library.custom_op
  py-v2.7.0-compile  the 2.7.0 layer under torch.compile(fullgraph=True, dynamic=False): only
                     with --compile (or named in --variants)
Every case is `fwd/<variant>/b:B/s:S/h:H/d:D/<dtype>/eager`: mode "eager" means one call per
iteration with no CUDA-graph capture by the harness, for the compile variant too (what
torch.compile does is that variant's business), so py-v2.7.0 and py-v2.7.0-compile pair up in
fa-compare like two variants of one run.

Per repetition and variant (medians over the repetition's iterations):
  e2e_us       time.perf_counter around one call plus torch.cuda.synchronize()
  host_us      time.perf_counter around the call only (until the Python call returns)
  kernel_us    device time of the core kernel ("attention_fwd_kernel") per call, from
               torch.profiler (CUPTI) over `kernel_samples` further calls made right after the
               timed loop (profiling inside the timed loop would slow the host side it measures)
  overhead_us  e2e_us - kernel_us; tflops, gbps of the kernel (fa-sweep's formulas)
Variants are interleaved in a fresh random order every repetition, with fresh random inputs
(never zeros) every repetition; warm-up before each timed loop; Python's garbage collector is off
inside timed loops. On --device cpu there is no kernel timing: kernel_us, overhead_us, tflops
and gbps are left out of the rows (fa-compare then has e2e and host only).

Config parsing, case names, the tflops/gbps formulas and the report writer are fa-sweep's own C++
(harness/sweep/sweep_config, harness/report), reached through fa_versus_ext, so both tools write
the one format (docs/fa-sweep.md). The report is written to a temporary file and renamed over
--out: an interrupted run leaves nothing half-written. Exit status: 0 done, 1 some case failed (its rows carry error_occurred),
2 bad config or flags (one line naming the file, field and problem).
"""

import argparse
import datetime
import gc
import importlib
import math
import os
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MODE = "eager"
KERNEL_TAG = "attention_fwd_kernel"
BASE_VARIANTS = ("py-v2.6.3", "py-v2.7.0")
COMPILE_VARIANT = "py-v2.7.0-compile"
KNOWN_VARIANTS = BASE_VARIANTS + (COMPILE_VARIANT,)
COMPILE_MODES = ("default", "reduce-overhead", "max-autotune-no-cudagraphs")
MAX_ITERATIONS = 1_000_000

EXAMPLES = """examples:
  scripts/py-sweep.py --config configs/article.json --out results/py-article.json
  scripts/py-sweep.py --config configs/article.json --compile --repetitions 10 --min-time 0.05 \\
      --out out/py-compile.json
  scripts/py-sweep.py --config configs/smoke.json --device cpu --filter 'b:2/'
  fa-compare out/py.json --baseline py-v2.6.3 --contender py-v2.7.0 --metric e2e

The extension is looked up in $FA_VERSUS_EXT_DIR (or --ext-dir), then build-gpu/python and
build/python: build it with `cmake --build build-gpu --target fa_versus_ext`.
See docs/python-layer.md.
"""


class UsageError(Exception):
    """A bad config, flag or output path: printed as one line, exit status 2."""


# --- Command line ---------------------------------------------------------------------------


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {value}")
    return value


def positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not value > 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def non_negative_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not value >= 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be zero or positive, got {text}")
    return value


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="py-sweep",
        description=__doc__,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", required=True, help="sweep config (configs/*.json)")
    parser.add_argument("--out", help="report file (JSON); without it only the summary prints")
    parser.add_argument(
        "--variants",
        help=f"comma-separated, of {', '.join(KNOWN_VARIANTS)} (default: py-v2.6.3,py-v2.7.0, "
        "plus py-v2.7.0-compile with --compile)",
    )
    parser.add_argument(
        "--compile", action="store_true", help=f"add {COMPILE_VARIANT} (torch.compile)"
    )
    parser.add_argument(
        "--compile-mode",
        choices=COMPILE_MODES,
        default="default",
        help="torch.compile mode of the compile variant (default: default; reduce-overhead adds "
        "CUDA graphs)",
    )
    parser.add_argument(
        "--repetitions", type=positive_int, help="repetitions per case (default: the config's)"
    )
    parser.add_argument(
        "--min-time",
        type=positive_float,
        help="timed seconds per repetition, which sets the iteration count (default: the "
        "config's min_time_s, else 0.2)",
    )
    parser.add_argument(
        "--iterations", type=positive_int, help="a fixed iteration count instead of --min-time"
    )
    parser.add_argument(
        "--warmup", type=non_negative_float, help="warm-up seconds before each timed loop"
    )
    parser.add_argument(
        "--kernel-samples",
        type=positive_int,
        help="profiled calls per repetition and variant for kernel_us (default: the config's, "
        "else 10)",
    )
    parser.add_argument(
        "--filter", default="", help="regex searched in the case names: only matching cases run"
    )
    parser.add_argument(
        "--device", choices=("auto", "cuda", "cpu"), default="auto", help="default: auto"
    )
    parser.add_argument("--seed", type=int, help="input and order seed (default: the config's)")
    parser.add_argument("--ext-dir", help="directory of fa_versus_ext (sets FA_VERSUS_EXT_DIR)")
    parser.add_argument("--list", action="store_true", help="print the case names, then exit")
    parser.add_argument(
        "--phase-samples", type=int, default=100,
        help="recorded calls per repetition and variant in the phase pass after the timed loop "
        "(phase:<range> counters, docs/phases.md); 0: off (default: 100)",
    )
    return parser.parse_args(argv)


# --- Config (fa-sweep's parser, case names and counter formulas, through fa_versus_ext) --------


def load_config(ext, path):
    """The config parsed and validated by fa-sweep's parser; py- variant names are this tool's."""
    try:
        config = ext.load_sweep_config(str(path), list(KNOWN_VARIANTS))
    except ValueError as error:  # ext.ConfigError: "<file>: <field>: <problem>"
        raise UsageError(str(error)) from None
    # fa-sweep's variants are C++ ones; py- names, if a config lists any, are this tool's.
    config["py_variants"] = [v for v in config["variants"] if v.startswith("py-")]
    return config


def case_name(ext, variant, batch, seqlen, heads, head_dim, dtype):
    return ext.case_name(variant, batch, seqlen, heads, head_dim, dtype, MODE)


def build_shapes(config):
    """(batch, seqlen, heads, head_dim) in fa-sweep's order: batch, seqlen, heads, embed."""
    grid = config["grid"]
    return [
        (b, s, h, e // h)
        for b in grid["batch"]
        for s in grid["seqlen"]
        for h in grid["heads"]
        for e in grid["embed"]
    ]


# --- Environment ------------------------------------------------------------------------------


def git_commit():
    """(commit, dirty): $FA_GIT_COMMIT when set (scripts/reproduce stamps it; fa-sweep reads the
    same variable), else git in the repository."""
    given = os.environ.get("FA_GIT_COMMIT", "")
    if given:
        return given, given.endswith("-dirty")
    try:
        commit = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "HEAD"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()
        return commit, bool(dirty)
    except (OSError, subprocess.SubprocessError):
        return "unknown", False


def cpu_mhz():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("cpu MHz"):
                return int(float(line.split(":")[1]))
    except (OSError, ValueError, IndexError):
        pass
    return 0


def nvidia_smi_fields(index):
    """Driver and clocks from nvidia-smi (absent fields when it is not there)."""
    fields = ["driver_version", "clocks.sm", "clocks.max.sm", "clocks.mem"]
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    target = str(index)
    if visible:
        entries = [v.strip() for v in visible.split(",") if v.strip()]
        if index < len(entries):
            target = entries[index]
    try:
        line = subprocess.run(
            ["nvidia-smi", f"--query-gpu={','.join(fields)}", "--format=csv,noheader,nounits",
             "-i", target],
            capture_output=True, text=True, timeout=15, check=True,
        ).stdout.strip().splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        return {}
    values = [v.strip() for v in line.split(",")]
    result = {}
    if len(values) == 4:
        result["driver_version"] = values[0]
        for key, value in zip(("gpu_clock_sm_mhz", "gpu_clock_max_sm_mhz", "gpu_clock_mem_mhz"),
                              values[1:]):
            try:
                result[key] = int(float(value))
            except ValueError:
                pass
    return result


# --- Measurement ------------------------------------------------------------------------------


class MeasurementError(RuntimeError):
    pass


def median_us(seconds):
    return statistics.median(seconds) * 1e6


def kernel_durations_us(prof, tag, device_type_cuda):
    """Durations (us) of the kernels whose name contains `tag`, in start order."""
    found = []
    results = getattr(getattr(prof, "profiler", None), "kineto_results", None)
    if results is not None and hasattr(results, "events"):
        for event in results.events():
            if event.device_type() != device_type_cuda or tag not in event.name():
                continue
            if hasattr(event, "duration_ns"):
                found.append((event.start_ns(), event.duration_ns() / 1000.0))
            else:
                found.append((event.start_us(), float(event.duration_us())))
    else:  # older or different profiler objects: the parsed FunctionEvents
        for event in prof.events():
            if event.device_type == device_type_cuda and tag in event.name:
                found.append((event.time_range.start, event.time_range.elapsed_us()))
    found.sort()
    return [duration for _, duration in found]


class Sweep:
    def __init__(self, torch, args, config):
        self.torch = torch
        self.args = args
        self.config = config
        self.device = args.device_resolved
        self.cuda = self.device == "cuda"
        self.dtype = {"fp16": torch.float16, "bf16": torch.bfloat16}[config["dtype"]]
        self.causal = config["causal"]
        self.repetitions = args.repetitions or config["repetitions"]
        self.min_time_s = args.min_time or config["min_time_s"]
        self.iterations = args.iterations or config["iterations"]
        self.warmup_iterations = config["warmup_iterations"]
        self.warmup_s = args.warmup if args.warmup is not None else config["warmup_s"]
        self.kernel_samples = args.kernel_samples or config["kernel_samples"]
        self.seed = args.seed if args.seed is not None else config["seed"]
        self.order_rng = random.Random(self.seed)
        self.sync = torch.cuda.synchronize if self.cuda else (lambda: None)
        if self.cuda:
            from torch.autograd import DeviceType

            self.device_type_cuda = DeviceType.CUDA

    # A fresh q, k, v for one repetition: standard normal, never zeros.
    def inputs(self, shape, shape_index, repetition):
        batch, seqlen, heads, head_dim = shape
        generator = self.torch.Generator(device=self.device)
        generator.manual_seed((self.seed * 1_000_003 + shape_index * 10_007 + repetition) % 2**63)
        return tuple(
            self.torch.randn(batch, seqlen, heads, head_dim, generator=generator,
                             device=self.device, dtype=self.dtype)
            for _ in range(3)
        )

    def e2e_once(self, fn, q, k, v):
        start = time.perf_counter()
        out = fn(q, k, v, causal=self.causal)
        self.sync()
        elapsed = time.perf_counter() - start
        del out
        return elapsed

    def warm_up(self, fn, q, k, v):
        deadline = time.perf_counter() + self.warmup_s
        calls = 0
        while calls < self.warmup_iterations or time.perf_counter() < deadline:
            self.e2e_once(fn, q, k, v)
            calls += 1

    def calibrate(self, fn, q, k, v):
        """Iterations per repetition: the fixed count, or enough calls to fill min_time_s."""
        self.e2e_once(fn, q, k, v)  # a first call (torch.compile compiles here)
        self.warm_up(fn, q, k, v)
        if self.iterations:
            return self.iterations
        samples = [self.e2e_once(fn, q, k, v) for _ in range(5)]
        per_call = max(statistics.median(samples), 1e-7)
        return max(1, min(MAX_ITERATIONS, math.ceil(self.min_time_s / per_call)))

    def timed_loop(self, fn, q, k, v, iterations):
        torch_sync = self.sync
        perf = time.perf_counter
        causal = self.causal
        e2e = [0.0] * iterations
        host = [0.0] * iterations
        gc.collect()
        gc.disable()
        try:
            for i in range(iterations):
                start = perf()
                out = fn(q, k, v, causal=causal)
                returned = perf()
                torch_sync()
                done = perf()
                del out
                host[i] = returned - start
                e2e[i] = done - start
        finally:
            gc.enable()
        return e2e, host

    def kernel_times(self, order, fns, q, k, v):
        """Per variant, the median device time of the core kernel over kernel_samples calls."""
        torch = self.torch
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as prof:
            for name in order:
                for _ in range(self.kernel_samples):
                    out = fns[name](q, k, v, causal=self.causal)
                    self.sync()
                    del out
        durations = kernel_durations_us(prof, KERNEL_TAG, self.device_type_cuda)
        expected = self.kernel_samples * len(order)
        if len(durations) != expected:
            raise MeasurementError(
                f"the profiler saw {len(durations)} '{KERNEL_TAG}' kernels for {expected} calls"
            )
        n = self.kernel_samples
        return {name: statistics.median(durations[i * n:(i + 1) * n])
                for i, name in enumerate(order)}

    def warm_up_profiler(self):
        if self.cuda:  # the first profiler session initialises CUPTI: keep that out of cases
            with self.torch.profiler.profile(
                activities=[self.torch.profiler.ProfilerActivity.CUDA]
            ):
                self.torch.zeros(1, device=self.device).add_(1)
                self.sync()

    def run_shape(self, shape, shape_index, fns):
        """{variant: [per-repetition dict] or error string}."""
        names = list(fns)
        results = {name: [] for name in names}
        failed = {}
        q, k, v = self.inputs(shape, shape_index, -1)
        iterations = {}
        for name in names:
            try:
                iterations[name] = self.calibrate(fns[name], q, k, v)
            except Exception as error:  # noqa: BLE001: reported as the case's error row
                failed[name] = f"{type(error).__name__}: {error}"
        del q, k, v
        live = [name for name in names if name not in failed]
        for repetition in range(self.repetitions):
            if not live:
                break
            q, k, v = self.inputs(shape, shape_index, repetition)
            order = live[:]
            self.order_rng.shuffle(order)
            samples = {}
            for name in order:
                try:
                    self.warm_up(fns[name], q, k, v)
                    samples[name] = self.timed_loop(fns[name], q, k, v, iterations[name])
                except Exception as error:  # noqa: BLE001
                    failed[name] = f"{type(error).__name__}: {error}"
            order = [name for name in order if name not in failed]
            kernels = {}
            if self.cuda and order:
                try:
                    kernels = self.kernel_times(order, fns, q, k, v)
                except Exception as error:  # noqa: BLE001
                    for name in order:
                        failed[name] = f"kernel timing: {type(error).__name__}: {error}"
                    order = []
            for name in order:
                e2e, host = samples[name]
                results[name].append({
                    "repetition": repetition,
                    "iterations": iterations[name],
                    "e2e_us": median_us(e2e),
                    "host_us": median_us(host),
                    "kernel_us": kernels.get(name),
                    "phases": phase_pass(self, name, fns[name], q, k, v),
                })
            live = [name for name in live if name not in failed]
            del q, k, v
        for name, message in failed.items():
            results[name] = message
        return results


# --- Phase pass (docs/phases.md) --------------------------------------------------------------

PHASE_VARIANTS = ("py-v2.6.3", "py-v2.7.0")  # eager only: a compiled graph has no phase ranges


def phase_pass(sweep, name, fn, q, k, v):
    """{range name: mean exclusive us per call} over --phase-samples recorded calls, run after
    the timed loop and the kernel timing so neither sees the recorder; {} when off, for the
    compiled variant, or when the recorder is not attached (said once, e.g. under nsys)."""
    calls = sweep.args.phase_samples
    if calls <= 0 or name not in PHASE_VARIANTS:
        return {}
    from fa_versus import _phases

    if not _phases.ATTACHED:
        if not getattr(phase_pass, "said", False):
            print(f"[py-sweep] phase pass skipped: {_phases.STATE}", file=sys.stderr)
            phase_pass.said = True
        return {}
    held = []
    causal = sweep.causal

    def call():
        held.append(fn(q, k, v, causal=causal))

    def after_call():
        sweep.sync()
        held.clear()

    return _phases.record_means(call, calls, after_call)


# --- Report -----------------------------------------------------------------------------------


def make_rows(ext, shape, config, repetitions, results, family_start):
    """Report rows (ext.ReportRow) of one shape: one per repetition, or one failed row."""
    batch, seqlen, heads, head_dim = shape
    flops = ext.attention_flops(batch, seqlen, heads, head_dim, config["causal"])
    nbytes = ext.attention_bytes(batch, seqlen, heads, head_dim)
    rows = []
    warnings = []
    for offset, (variant, result) in enumerate(results.items()):
        name = case_name(ext, variant, batch, seqlen, heads, head_dim, config["dtype"])

        def row_of(repetition_index, iterations):
            row = ext.ReportRow()
            row.name = row.run_name = f"{name}/manual_time"
            row.family_index = family_start + offset
            row.repetitions = repetitions
            row.repetition_index = repetition_index
            row.iterations = iterations
            return row

        if isinstance(result, str):
            row = row_of(0, 0)
            row.status = ext.CaseStatus.failed(result)
            rows.append(row)
            continue
        for rep in result:
            row = row_of(rep["repetition"], rep["iterations"])
            row.real_time = rep["e2e_us"]
            row.cpu_time = rep["host_us"]
            counters = {
                ext.metric_counter("e2e"): rep["e2e_us"],
                ext.metric_counter("host"): rep["host_us"],
            }
            kernel = rep["kernel_us"]
            if kernel is not None and kernel > 0:
                counters[ext.metric_counter("kernel")] = kernel
                overhead = rep["e2e_us"] - kernel
                if overhead > 0:
                    counters[ext.metric_counter("overhead")] = overhead
                else:
                    warnings.append(f"{name} repetition {rep['repetition']}: kernel_us {kernel:.2f}"
                                    f" >= e2e_us {rep['e2e_us']:.2f}; overhead_us left out")
                counters[ext.tflops_counter] = ext.throughput_tflops(flops, kernel)
                counters[ext.gbps_counter] = ext.throughput_gbps(nbytes, kernel)
            for phase, us in rep.get("phases", {}).items():
                counters[f"phase:{phase}"] = us
            row.counters = counters
            rows.append(row)
    return rows, warnings


def library_context(torch):
    """The machine fields Google Benchmark's JSONReporter writes first, in its order."""
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "host_name": socket.gethostname(),
        "executable": str(Path(sys.argv[0]).resolve()),
        "num_cpus": os.cpu_count() or 0,
        "mhz_per_cpu": cpu_mhz(),
        "cpu_scaling_enabled": False,
        "caches": [],
        "load_avg": list(os.getloadavg()) if hasattr(os, "getloadavg") else [],
        "library_build_type": "release",
        "library_version": f"py-sweep (torch {torch.__version__})",
    }


def make_context(torch, sweep, config, variants, args, ext, cases):
    """py-sweep's own context fields (keys from harness/report/context_keys)."""
    commit, dirty = git_commit()
    context = {
        ext.schema_version_key: ext.report_schema_version,
        "tool": "py-sweep",
        "backend": sweep.device,
        "mode": MODE,
        "kernel_timing": "torch-profiler" if sweep.cuda else "off",
        "kernel_name_tag": KERNEL_TAG,
        "timer": "time.perf_counter; torch.cuda.synchronize for e2e",
        "torch_version": torch.__version__,
        "libtorch_version": torch.__version__,
        "cuda_runtime_version": torch.version.cuda or "",
        "python_version": platform.python_version(),
        "config_name": config["name"],
        "config_description": config["description"],
        "config_path": config["path"],
        "config_hash": config["hash"],
        "git_commit": commit,
        "git_dirty": dirty,
        "variants": variants,
        "dtype": config["dtype"],
        "causal": config["causal"],
        "repetitions": sweep.repetitions,
        "min_time_s": sweep.min_time_s,
        "warmup_iterations": sweep.warmup_iterations,
        "warmup_s": sweep.warmup_s,
        "kernel_samples": sweep.kernel_samples,
        "seed": sweep.seed,
        "filter": args.filter,
        "cases": str(cases),
        "command_line": " ".join([sys.executable] + sys.argv),
        "counter_statistic": "per repetition: the median over its iterations",
        "random_interleaving": "true",
        "warmup": f"{sweep.warmup_iterations} calls and at least {sweep.warmup_s:g} s before "
        "every timed loop",
        "extension": getattr(ext, "__file__", ""),
    }
    if sweep.cuda:
        context["kernel_timing_phase"] = (
            f"after: {sweep.kernel_samples} profiled calls per variant after each repetition's "
            "timed loops (torch.profiler, CUDA activities)"
        )
    if sweep.iterations:
        context["iterations"] = sweep.iterations
    if COMPILE_VARIANT in variants:
        context["torch_compile"] = {"mode": args.compile_mode, "fullgraph": True, "dynamic": False}
    if sweep.cuda:
        index = torch.cuda.current_device()
        properties = torch.cuda.get_device_properties(index)
        context.update({
            "gpu_name": properties.name,
            "gpu_sm_count": properties.multi_processor_count,
            "gpu_compute_capability": f"{properties.major}.{properties.minor}",
            "gpu_memory_bytes": properties.total_memory,
        })
        context.update(nvidia_smi_fields(index))
    else:
        context["gpu_name"] = "none (cpu backend)"
        context["note"] = ("CPU backend: no kernel timing; kernel_us, overhead_us, tflops and gbps "
                           "are left out of the rows")
    return context


def print_summary(shapes_results, variants, out=sys.stdout):
    baseline = variants[0]
    header = f"{'case':34} {'variant':18} {'e2e us':>10} {'host us':>10} {'kernel us':>10} " \
             f"{'overhead':>10} {'e2e/' + baseline:>18}"
    print(header, file=out)
    print("-" * len(header), file=out)
    for shape_label, results in shapes_results:
        medians = {}
        for variant in variants:
            result = results.get(variant)
            if result is None:
                continue
            if isinstance(result, str):
                print(f"{shape_label:34} {variant:18} FAILED: {result[:80]}", file=out)
                continue
            if not result:
                continue
            e2e = statistics.median(r["e2e_us"] for r in result)
            host = statistics.median(r["host_us"] for r in result)
            kernels = [r["kernel_us"] for r in result if r["kernel_us"] is not None]
            kernel = statistics.median(kernels) if kernels else None
            medians[variant] = e2e
            ratio = f"{e2e / medians[baseline]:.3f}" if baseline in medians else "-"
            kernel_text = f"{kernel:10.2f}" if kernel is not None else f"{'-':>10}"
            overhead_text = f"{e2e - kernel:10.2f}" if kernel is not None else f"{'-':>10}"
            print(f"{shape_label:34} {variant:18} {e2e:10.2f} {host:10.2f} {kernel_text} "
                  f"{overhead_text} {ratio:>18}", file=out)


# --- Main -------------------------------------------------------------------------------------


def select_variants(args, config):
    if args.variants:
        names = [v.strip() for v in args.variants.split(",") if v.strip()]
        if not names:
            raise UsageError("py-sweep: --variants: empty list")
    elif config["py_variants"]:
        names = list(config["py_variants"])
    else:
        names = list(BASE_VARIANTS)
    if args.compile and COMPILE_VARIANT not in names:
        names.append(COMPILE_VARIANT)
    for name in names:
        if name not in KNOWN_VARIANTS:
            raise UsageError(f"py-sweep: --variants: unknown variant \"{name}\" "
                             f"(known: {', '.join(KNOWN_VARIANTS)})")
    if len(set(names)) != len(names):
        raise UsageError("py-sweep: --variants: a variant is named twice")
    return names


def import_torch():
    try:
        import torch
    except ImportError as error:
        raise UsageError(f"py-sweep: Python torch >= 2.4 is needed ({error})") from None
    version = tuple(int(p) for p in re.findall(r"\d+", torch.__version__.split("+")[0])[:2])
    if version < (2, 4):
        raise UsageError(f"py-sweep: torch {torch.__version__} is older than 2.4 "
                         "(torch.library.custom_op)")
    return torch


def load_ext(args):
    """torch, then fa_versus_ext (config parsing, case names and the report writer live there)."""
    if args.ext_dir:
        os.environ["FA_VERSUS_EXT_DIR"] = str(Path(args.ext_dir).resolve())
    torch = import_torch()
    sys.path.insert(0, str(REPO / "python"))
    try:
        from fa_versus import _ext

        return torch, _ext.load_extension()
    except ImportError as error:
        raise UsageError(f"py-sweep: cannot load fa_versus_ext: {error}") from None


def make_callables(torch, names, compile_mode, shape_count):
    try:
        layers = {
            module: importlib.import_module(f"fa_versus.{module}")
            for module in sorted({"v2_6_3" if n == "py-v2.6.3" else "v2_7_0" for n in names})
        }
    except ImportError as error:
        raise UsageError(f"py-sweep: cannot load the Python layers: {error}") from None
    fns = {}
    for name in names:
        if name == "py-v2.6.3":
            fns[name] = layers["v2_6_3"].flash_attn_func
        elif name == "py-v2.7.0":
            fns[name] = layers["v2_7_0"].flash_attn_func
        elif name == COMPILE_VARIANT:
            # One graph per shape (dynamic=False): raise the recompile limit above the grid's
            # size, or dynamo would silently fall back to eager after 8 shapes.
            import torch._dynamo

            config = torch._dynamo.config
            limit = max(64, 2 * shape_count + 8)
            for attribute in ("recompile_limit", "cache_size_limit"):
                if hasattr(config, attribute):
                    setattr(config, attribute, max(getattr(config, attribute), limit))
                    break
            for attribute in ("accumulated_recompile_limit", "accumulated_cache_size_limit"):
                if hasattr(config, attribute):
                    setattr(config, attribute, max(getattr(config, attribute), 4 * limit))
                    break
            fns[name] = torch.compile(
                layers["v2_7_0"].flash_attn_func,
                fullgraph=True,
                dynamic=False,
                mode=None if compile_mode == "default" else compile_mode,
            )
    return fns


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    torch, ext = load_ext(args)
    config = load_config(ext, args.config)
    try:
        filter_re = re.compile(args.filter)
    except re.error as error:
        raise UsageError(f"py-sweep: --filter: bad regex {args.filter!r} ({error})") from None
    variants = select_variants(args, config)
    shapes = build_shapes(config)
    selected = []  # (shape, shape_index, [variants whose case name matches])
    for index, shape in enumerate(shapes):
        matching = [v for v in variants
                    if filter_re.search(case_name(ext, v, *shape, config["dtype"]))]
        if matching:
            selected.append((shape, index, matching))
    if not selected:
        raise UsageError(f"py-sweep: --filter: {args.filter!r} matches no case")
    if args.list:
        for shape, _, matching in selected:
            for variant in matching:
                print(case_name(ext, variant, *shape, config["dtype"]))
        return 0
    if args.out:
        parent = Path(args.out).resolve().parent
        if not parent.is_dir():
            raise UsageError(f"py-sweep: --out: directory {parent} does not exist")
        if Path(args.out).is_dir():
            raise UsageError(f"py-sweep: --out: {args.out} is a directory")
    if args.device == "auto":
        args.device_resolved = "cuda" if torch.cuda.is_available() else "cpu"
    else:
        args.device_resolved = args.device
    if args.device_resolved == "cuda" and not torch.cuda.is_available():
        raise UsageError("py-sweep: --device cuda: torch sees no CUDA GPU")
    fns = make_callables(torch, variants, args.compile_mode, len(selected))
    if args.device_resolved == "cuda" and not ext.with_cuda:
        raise UsageError("py-sweep: --device cuda: fa_versus_ext was built without CUDA")

    sweep = Sweep(torch, args, config)
    sweep.warm_up_profiler()
    print(f"py-sweep: {len(selected)} shapes x {len(variants)} variants, {sweep.repetitions} "
          f"repetitions, on {sweep.device} ({config['name']})", file=sys.stderr)
    rows, warnings, summary = [], [], []
    families = 0  # Google Benchmark's family_index: one per case
    failed = False
    started = time.perf_counter()
    for position, (shape, index, matching) in enumerate(selected, start=1):
        batch, seqlen, heads, head_dim = shape
        label = f"b:{batch}/s:{seqlen}/h:{heads}/d:{head_dim}"
        results = sweep.run_shape(shape, index, {name: fns[name] for name in matching})
        shape_rows, shape_warnings = make_rows(ext, shape, config, sweep.repetitions, results,
                                               family_start=families)
        families += len(results)
        rows.extend(shape_rows)
        warnings.extend(shape_warnings)
        summary.append((label, results))
        errors = [f"{name}: {r}" for name, r in results.items() if isinstance(r, str)]
        failed |= bool(errors)
        print(f"[{position}/{len(selected)}] {label} done ({time.perf_counter() - started:.1f} s)"
              + (f"; FAILED {'; '.join(errors)}" if errors else ""), file=sys.stderr)
    for warning in warnings:
        print(f"py-sweep: warning: {warning}", file=sys.stderr)
    print_summary(summary, variants)
    if args.out:
        context = make_context(torch, sweep, config, variants, args, ext,
                               cases=sum(len(matching) for _, _, matching in selected))
        try:
            ext.write_report(args.out, library_context(torch), context, rows)
        except ValueError as error:  # a context key given twice: a bug here, not a bad input
            raise RuntimeError(f"py-sweep: report not written: {error}") from None
        print(f"py-sweep: report: {args.out}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except UsageError as error:
        print(error, file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("py-sweep: interrupted; no report written", file=sys.stderr)
        sys.exit(130)
