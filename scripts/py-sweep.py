#!/usr/bin/env python3
"""py-sweep: the Python layers of flash-attn 2.6.3 and 2.7.0 (python/fa_versus) over the same
attention core, swept over a config's grid into fa-sweep's report format (Google Benchmark JSON),
so fa-compare reads it unchanged.

Workloads (--workload) and their variants (the case names' <variant>):
  attention (default): the lone call flash_attn_func(q, k, v, causal=...)
    py-v2.6.3          fa_versus.v2_6_3: autograd.Function, direct pybind11 call
    py-v2.7.0          fa_versus.v2_7_0: autograd.Function, torch.library.custom_op
    py-v2.7.0-compile  the 2.7.0 layer under torch.compile(fullgraph=True): with --compile
  model: a forward of a small transformer encoder (fa_versus.encoder: embed = heads x head_dim of
         the grid, --model-layers layers, MLP 4x, LayerNorm) under torch.no_grad()
    py-model-v2.6.3, py-model-v2.7.0                  its attention through that layer
    py-model-v2.6.3-compile, py-model-v2.7.0-compile  the model under torch.compile (graph
                                                      breaks allowed): with --compile
Modes (--mode, the case names' <mode>):
  eager  one call per iteration, as a user makes it (torch.compile's own CUDA graphs, with
         --compile-mode reduce-overhead, are the compile variant's business: still "eager")
  graph  fa-sweep's graph mode in Python: one call captured into a torch.cuda.CUDAGraph (after
         warm-up calls on a side stream), replays timed; not for the compile variants
  both   each variant in both modes (compile variants in eager only)
Every case is `fwd/<variant>/b:B/s:S/h:H/d:D/<dtype>/<mode>`, so fa-compare pairs two variants of
one mode in one report (e.g. --baseline py-v2.7.0 --contender py-v2.7.0-compile).

Per repetition and entry (a variant in one mode; medians over the repetition's iterations):
  e2e_us       time.perf_counter around one call plus torch.cuda.synchronize()
  host_us      time.perf_counter around the call only (until the Python call returns)
  kernel_us    from torch.profiler (CUPTI) over `kernel_samples` further calls per repetition,
               made after every timed loop of the run (--kernel-timing end, the default: a
               profiler session leaves host overhead behind, which "after" lets into the later
               timed loops): attention: the median duration of the core kernel
               ("attention_fwd_kernel"); model: the device time of the whole forward (every GPU
               activity per call)
  overhead_us  e2e_us - kernel_us; tflops, gbps of the kernel (attention only; fa-sweep's formulas)
Warm-up (issue 14.2): every entry's first call (torch.compile compiles here; graph mode captures)
and two interleaved warm-up rounds on every shape; before the first timed case a prime on the
first shape, interleaved rounds until every entry's round median is steady (--prime-min-s,
--prime-max-s); and after the last shape a re-run of the first, reported against it
(context warmup_check). Entries are interleaved in a fresh random order every repetition, with
fresh random inputs (never zeros) every repetition, a warm-up before each timed loop, Python's
garbage collector off inside timed loops. On --device cpu there is no kernel timing: kernel_us,
overhead_us, tflops and gbps are left out of the rows (fa-compare then has e2e and host only).

Config parsing, case names, the tflops/gbps formulas and the report writer are fa-sweep's own C++
(harness/sweep/sweep_config, harness/report), reached through fa_versus_ext, so both tools write
the one format (docs/fa-sweep.md). The report is written to a temporary file and renamed over
--out: an interrupted run leaves nothing half-written. Exit status: 0 done, 1 some case failed
(its rows carry error_occurred), 2 bad config or flags (one line naming the file, field and
problem).
"""

import argparse
import contextlib
import datetime
import gc
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
sys.path.insert(0, str(REPO / "python"))

from fa_versus import host_cpu, sweep_plan  # noqa: E402  (torch-free; the rest after torch)

MODES = ("eager", "graph")
COMPILE_MODES = ("default", "reduce-overhead", "max-autotune-no-cudagraphs")
WORKLOADS = ("attention", "model")
MAX_ITERATIONS = 1_000_000
WARMUP_ROUNDS_PER_SHAPE = 2  # interleaved warm-up rounds of every entry on each new shape
PRIME_ROUND_S = 0.05  # seconds of calls per entry in one prime round

EXAMPLES = """examples:
  scripts/py-sweep.py --config configs/article.json --out results/py-article.json
  scripts/py-sweep.py --config configs/article.json --compile --repetitions 10 --min-time 0.05 \\
      --out out/py-compile.json
  scripts/py-sweep.py --config configs/article.json --mode both --out out/py-graph.json
  scripts/py-sweep.py --config configs/py-model.json --workload model --mode both \\
      --out out/py-model.json
  scripts/py-sweep.py --config configs/py-model.json --workload model --compile \\
      --compile-mode reduce-overhead --filter 'b:(2|32|512)/s:(50|300)/' --out out/m-ro.json
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
        "--workload", choices=WORKLOADS, default="attention",
        help="attention: the lone call (default); model: the encoder's forward",
    )
    parser.add_argument(
        "--variants",
        help="comma-separated variants of the workload (default: the config's py- variants of "
        "it, else its two layers; plus the compile variants with --compile)",
    )
    parser.add_argument(
        "--compile", action="store_true", help="add the workload's torch.compile variants"
    )
    parser.add_argument(
        "--compile-mode",
        choices=COMPILE_MODES,
        default="default",
        help="torch.compile mode of the compile variants (default: default; reduce-overhead adds "
        "CUDA graphs)",
    )
    parser.add_argument(
        "--compile-inputs", choices=("copied", "static"), default="copied",
        help="copied (default): the inputs are ordinary tensors, which reduce-overhead's CUDA "
        "graphs copy into their own buffers every call; static: they are marked with "
        "torch._dynamo.mark_static_address, so the graphs read them in place (a user whose "
        "input buffers persist)",
    )
    parser.add_argument(
        "--compile-dynamic", action="store_true",
        help="torch.compile(dynamic=True): one graph for all shapes instead of one per shape",
    )
    parser.add_argument(
        "--mode", choices=MODES + ("both",), default="eager",
        help="eager (default), graph (one call captured into a CUDA graph, replays timed) or both",
    )
    parser.add_argument(
        "--model-layers", type=positive_int, default=4, help="encoder layers (model workload)"
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
        "--prime-min-s", type=non_negative_float, default=sweep_plan.PRIME_MIN_S,
        help="the prime before the first timed case lasts at least this long (default: "
        f"{sweep_plan.PRIME_MIN_S:g})",
    )
    parser.add_argument(
        "--prime-max-s", type=non_negative_float, default=sweep_plan.PRIME_MAX_S,
        help="... and at most this long, steady or not (default: "
        f"{sweep_plan.PRIME_MAX_S:g}); 0: no prime",
    )
    parser.add_argument(
        "--time-limit", type=positive_float,
        help="seconds: start no new shape after this long (the report then has the shapes done, "
        "and its context's note says so); for compile sweeps whose compile time is not known",
    )
    parser.add_argument(
        "--no-rerun", action="store_true",
        help="skip the re-run of the first case at the end (context warmup_check.first_case)",
    )
    parser.add_argument(
        "--kernel-samples",
        type=positive_int,
        help="profiled calls per repetition and entry for kernel_us (default: the config's, "
        "else 10)",
    )
    parser.add_argument(
        "--kernel-timing", choices=("end", "after", "off"), default="end",
        help="end (default): kernel_us from torch.profiler in a pass over every shape after all "
        "timed loops (and the re-run), so no timed loop runs after a profiler session; after: "
        "after each repetition's timed loops (every later loop carries the profiler's residue); "
        "off: no profiler in the process at all",
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
        "(phase:<range> counters, docs/phases.md; eager lone calls only); 0: off (default: 100)",
    )
    return parser.parse_args(argv)


# --- Config (fa-sweep's parser, case names and counter formulas, through fa_versus_ext) --------


def load_config(ext, path):
    """The config parsed and validated by fa-sweep's parser; py- variant names are this tool's."""
    try:
        config = ext.load_sweep_config(str(path), list(sweep_plan.ALL_VARIANTS))
    except ValueError as error:  # ext.ConfigError: "<file>: <field>: <problem>"
        raise UsageError(str(error)) from None
    # fa-sweep's variants are C++ ones; py- names, if a config lists any, are this tool's.
    config["py_variants"] = [v for v in config["variants"] if v.startswith("py-")]
    return config


def case_name(ext, variant, batch, seqlen, heads, head_dim, dtype, mode):
    return ext.case_name(variant, batch, seqlen, heads, head_dim, dtype, mode)


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


def device_durations_us(prof, tag, device_type_cuda):
    """Durations (us) of the device activities whose name contains `tag`, in start order. With
    tag None: every device activity (kernels, copies, sets) except the GPU-side images of host
    annotations (record_function ranges, e.g. torch.compile's, which the profiler also draws on
    the GPU timeline under the host range's name): those would count the kernels twice."""
    events = []  # (on the device, name, start, duration us, a user annotation)
    results = getattr(getattr(prof, "profiler", None), "kineto_results", None)
    if results is not None and hasattr(results, "events"):
        for event in results.events():
            if hasattr(event, "duration_ns"):
                timing = (event.start_ns(), event.duration_ns() / 1000.0)
            else:
                timing = (event.start_us(), float(event.duration_us()))
            annotation = bool(getattr(event, "is_user_annotation", lambda: False)())
            events.append((event.device_type() == device_type_cuda, event.name(), *timing,
                           annotation))
    else:  # older or different profiler objects: the parsed FunctionEvents
        for event in prof.events():
            events.append((event.device_type == device_type_cuda, event.name,
                           event.time_range.start, event.time_range.elapsed_us(),
                           bool(getattr(event, "is_user_annotation", False))))
    # The host range of an annotation may be missing (a CUDA-only session records no CPU
    # events): where the profiler marks its GPU image as an annotation, that is dropped too.
    host_names = {name for on_device, name, _, _, _ in events if not on_device}
    found = []
    for on_device, name, start, duration, annotation in events:
        if not on_device or annotation:
            continue
        if tag is not None and tag not in name:
            continue
        if tag is None and name in host_names:
            continue
        found.append((start, duration))
    found.sort()
    return [duration for _, duration in found]


def dynamo_counters():
    """A copy of torch._dynamo's counters ({group: {name: count}}); {} without dynamo loaded."""
    utils = sys.modules.get("torch._dynamo.utils")
    if utils is None or not hasattr(utils, "counters"):
        return {}
    return {str(group): {str(name): int(count) for name, count in counts.items()}
            for group, counts in utils.counters.items()}


class Entry:
    """One variant in one mode on one shape: the timed loop calls fn(*args, **kwargs)."""

    def __init__(self, label, variant, mode, fn, args, kwargs, captured=None):
        self.label, self.variant, self.mode = label, variant, mode
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.captured = captured  # graph mode: the CapturedCall whose replay fn is
        self.iterations = 0


class Sweep:
    def __init__(self, torch, ext, args, config, workload):
        self.torch = torch
        self.ext = ext
        self.args = args
        self.config = config
        self.workload = workload
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
        # "end" or "after" on a GPU, else None. A torch.profiler session leaves host overhead
        # behind in the process (measured: docs/python-layer.md, "Kernel timing"), so "end"
        # profiles only once every timed loop has run.
        self.kernel_timing = args.kernel_timing if self.cuda and args.kernel_timing != "off" \
            else None
        self.seed = args.seed if args.seed is not None else config["seed"]
        self.order_rng = random.Random(self.seed)
        self.sync = torch.cuda.synchronize if self.cuda else (lambda: None)
        self.prime_record = None  # the prime before the first timed case (context)
        self.first_calls = {}  # case name -> first call's seconds and dynamo counter deltas
        self.warnings = []
        if self.cuda:
            from torch.autograd import DeviceType

            self.device_type_cuda = DeviceType.CUDA

    # Fresh values for one repetition in the shape's buffers: standard normal, never zeros.
    def fill(self, buffers, shape_index, repetition):
        generator = self.torch.Generator(device=self.device)
        generator.manual_seed((self.seed * 1_000_003 + shape_index * 10_007 + repetition) % 2**63)
        for buffer in buffers:
            buffer.normal_(generator=generator)
        self.sync()

    def mark_static(self, buffers):
        import torch._dynamo

        for buffer in buffers:
            try:
                torch._dynamo.mark_static_address(buffer, guard=False)
            except TypeError:  # a torch whose mark_static_address has no guard argument
                torch._dynamo.mark_static_address(buffer)

    def e2e_once(self, entry):
        start = time.perf_counter()
        out = entry.fn(*entry.args, **entry.kwargs)
        self.sync()
        elapsed = time.perf_counter() - start
        del out
        return elapsed

    def warm_up(self, entry):
        deadline = time.perf_counter() + self.warmup_s
        calls = 0
        while calls < self.warmup_iterations or time.perf_counter() < deadline:
            self.e2e_once(entry)
            calls += 1

    def per_call_s(self, entry):
        return max(statistics.median(self.e2e_once(entry) for _ in range(5)), 1e-7)

    def iterations_for(self, entry):
        """Iterations per repetition: the fixed count, or enough calls to fill min_time_s."""
        if self.iterations:
            return self.iterations
        return max(1, min(MAX_ITERATIONS, math.ceil(self.min_time_s / self.per_call_s(entry))))

    def timed_loop(self, entry, iterations):
        torch_sync = self.sync
        perf = time.perf_counter
        fn, args, kwargs = entry.fn, entry.args, entry.kwargs
        e2e = [0.0] * iterations
        host = [0.0] * iterations
        gc.collect()
        gc.disable()
        try:
            for i in range(iterations):
                start = perf()
                out = fn(*args, **kwargs)
                returned = perf()
                torch_sync()
                done = perf()
                del out
                host[i] = returned - start
                e2e[i] = done - start
        finally:
            gc.enable()
        return e2e, host

    def kernel_time(self, entry):
        """kernel_us of one entry over kernel_samples profiled calls (its own profiler session):
        the median core-kernel duration (attention) or the mean device time per call (model);
        None, with a warning, where the profiler saw nothing usable in graph mode, under
        reduce-overhead or for the model."""
        torch = self.torch
        n = self.kernel_samples
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as prof:
            for _ in range(n):
                out = entry.fn(*entry.args, **entry.kwargs)
                self.sync()
                del out
        tag = self.workload.kernel_tag()
        durations = device_durations_us(prof, tag, self.device_type_cuda)
        if tag is None:
            if durations:
                return sum(durations) / n
            self.warnings.append(f"{entry.label}: the profiler saw no device activity; "
                                 "kernel_us left out")
            return None
        if len(durations) == n:
            return statistics.median(durations)
        message = f"the profiler saw {len(durations)} '{tag}' kernels for {n} calls"
        # CUDA-graph replays (graph mode, or reduce-overhead's graphs): a trace that misses the
        # graphs' kernels costs kernel_us only; the entry's e2e and host rows stay.
        replays_graphs = entry.mode == "graph" or (
            sweep_plan.is_compiled(entry.variant) and self.args.compile_mode == "reduce-overhead")
        if replays_graphs:
            self.warnings.append(f"{entry.label}: {message}; kernel_us left out")
            return None
        raise MeasurementError(message)

    def kernel_pass(self, shape, shape_index, results):
        """--kernel-timing end: kernel_us for every repetition row of one shape's results, after
        all timed loops. The entries are made again (compiled callables come from their caches,
        graph mode captures again); repetition r profiles the inputs repetition r was timed on.
        An entry whose profiling fails becomes a failed case, as under "after"."""
        labels = [label for label, result in results.items() if not isinstance(result, str)]
        failed = {}
        buffers, entries, captured = self.prepare_shape(shape, shape_index, labels, failed)
        entries = self.interleaved(entries, self.warm_up, failed)
        for repetition in range(self.repetitions):
            if not entries:
                break
            self.fill(buffers, shape_index, repetition)
            entries, kernels = self.profile_entries(entries, failed)
            for entry in entries:
                rows = results[entry.label]
                if repetition < len(rows):
                    rows[repetition]["kernel_us"] = kernels.get(entry.label)
        for graph in captured:
            graph.release()
        for label, message in failed.items():
            results[label] = f"kernel timing: {message}"

    def profile_entries(self, entries, failed):
        """kernel_us of each entry on the current inputs, interleaved; an entry whose profiling
        fails goes to `failed`. Returns (the entries left, {label: kernel_us})."""
        kernels = {}

        def profiled(entry):
            kernels[entry.label] = self.kernel_time(entry)

        return self.interleaved(entries, profiled, failed), kernels

    def warm_up_profiler(self):
        if self.kernel_timing:  # the first profiler session initialises CUPTI: keep it out
            # of the first measurement ("after": of the first timed loop; "end": of the pass)
            with self.torch.profiler.profile(
                activities=[self.torch.profiler.ProfilerActivity.CUDA]
            ):
                self.torch.zeros(1, device=self.device).add_(1)
                self.sync()

    def prepare_shape(self, shape, shape_index, labels, failed):
        """The shape's input buffers (filled, marked static if asked) and an entry per label, after
        its first call or capture; a label whose entry cannot be made goes to `failed`. Returns
        (buffers, entries, captured graphs to release)."""
        buffers = self.workload.buffers(shape)
        self.fill(buffers, shape_index, -1)
        if self.args.compile_inputs == "static":
            self.mark_static(buffers)
        entries = []
        for label in labels:
            try:
                entries.append(self.make_entry(label, shape, buffers))
            except Exception as error:  # noqa: BLE001
                failed[label] = f"{type(error).__name__}: {error}"
        captured = [entry.captured for entry in entries if entry.captured is not None]
        return buffers, entries, captured

    def make_entry(self, label, shape, buffers):
        """The entry, after its first call (eager: torch.compile compiles there) or its capture
        (graph); both recorded in first_calls for the compile variants and graph mode."""
        variant, mode = sweep_plan.split_entry(label)
        fn = self.workload.callable(variant, shape)
        kwargs = self.workload.call_kwargs()
        before = dynamo_counters()
        start = time.perf_counter()
        if mode == "graph":
            from fa_versus.graph_capture import CapturedCall

            captured = CapturedCall(lambda: fn(*buffers, **kwargs))
            entry = Entry(label, variant, mode, captured.replay, (), {}, captured)
        else:
            entry = Entry(label, variant, mode, fn, buffers, kwargs)
            self.e2e_once(entry)
        seconds = time.perf_counter() - start
        if mode == "graph" or sweep_plan.is_compiled(variant):
            name = case_name(self.ext, variant, *shape, self.config["dtype"], mode)
            # setdefault: the re-run of the first case at the end finds the graph compiled; its
            # first call must not replace the record of the compile (or capture) it follows.
            self.first_calls.setdefault(name, {
                "seconds": round(seconds, 3),
                "what": "capture" if mode == "graph" else "first call",
                "dynamo_counters": sweep_plan.counter_delta(before, dynamo_counters()),
            })
        return entry

    def interleaved(self, entries, action, failed):
        """action(entry) for every entry, in a fresh random order; a failing entry is dropped."""
        order = entries[:]
        self.order_rng.shuffle(order)
        for entry in order:
            if entry.label in failed:
                continue
            try:
                action(entry)
            except Exception as error:  # noqa: BLE001: reported as the case's error row
                failed[entry.label] = f"{type(error).__name__}: {error}"
        return [entry for entry in entries if entry.label not in failed]

    def prime(self, entries, shape_label, failed):
        """Interleaved rounds of PRIME_ROUND_S of calls per entry until every entry's round
        median is steady (sweep_plan.prime_finished); recorded in prime_record."""
        calls = {}

        def size(entry):  # through interleaved: a call that raises fails its entry, not the run
            calls[entry.label] = max(10, min(100_000, math.ceil(PRIME_ROUND_S
                                                                / self.per_call_s(entry))))

        entries = self.interleaved(entries, size, failed)
        histories = {entry.label: [] for entry in entries}

        def round_of(entry):
            samples = [self.e2e_once(entry) for _ in range(calls[entry.label])]
            histories[entry.label].append(median_us(samples))

        clocks = {}
        if self.cuda:  # the SM clock before and after: was the prime the clocks ramping up?
            clocks["sm_mhz_before"] = nvidia_smi_fields(self.torch.cuda.current_device()).get(
                "gpu_clock_sm_mhz")
        start = time.perf_counter()
        all_steady = False
        while entries:
            entries = self.interleaved(entries, round_of, failed)
            done, all_steady = sweep_plan.prime_finished(
                {e.label: histories[e.label] for e in entries}, time.perf_counter() - start,
                self.args.prime_min_s, self.args.prime_max_s)
            if done:
                break
        elapsed = time.perf_counter() - start
        if self.cuda:
            clocks["sm_mhz_after"] = nvidia_smi_fields(self.torch.cuda.current_device()).get(
                "gpu_clock_sm_mhz")
        self.prime_record = sweep_plan.prime_record(
            shape_label, {e.label: histories[e.label] for e in entries}, elapsed, all_steady,
            clocks=clocks)
        return entries

    def run_shape(self, shape, shape_index, labels, prime=False):
        """{entry label: [per-repetition dict] or error string}."""
        batch, seqlen, heads, head_dim = shape
        shape_label = f"b:{batch}/s:{seqlen}/h:{heads}/d:{head_dim}"
        failed = {}
        buffers, entries, captured = self.prepare_shape(shape, shape_index, labels, failed)
        for _ in range(WARMUP_ROUNDS_PER_SHAPE):
            entries = self.interleaved(entries, self.warm_up, failed)
        if prime and self.args.prime_max_s > 0:
            entries = self.prime(entries, shape_label, failed)

        def calibrate(entry):
            entry.iterations = self.iterations_for(entry)

        entries = self.interleaved(entries, calibrate, failed)
        results = {label: [] for label in labels}
        for repetition in range(self.repetitions):
            if not entries:
                break
            self.fill(buffers, shape_index, repetition)
            samples = {}

            def timed(entry):
                self.warm_up(entry)
                samples[entry.label] = self.timed_loop(entry, entry.iterations)

            entries = self.interleaved(entries, timed, failed)
            kernels = {}
            if self.kernel_timing == "after":
                entries, kernels = self.profile_entries(entries, failed)
            for entry in entries:
                e2e, host = samples[entry.label]
                results[entry.label].append({
                    "repetition": repetition,
                    "iterations": entry.iterations,
                    "e2e_us": median_us(e2e),
                    "host_us": median_us(host),
                    "kernel_us": kernels.get(entry.label),
                    "phases": phase_pass(self, entry),
                })
        for graph in captured:  # failed entries' too: their pools go back now, not at exit
            graph.release()
        del entries, buffers, captured
        for label, message in failed.items():
            results[label] = message
        return results


# --- Phase pass (docs/phases.md) --------------------------------------------------------------

PHASE_VARIANTS = ("py-v2.6.3", "py-v2.7.0")  # eager lone calls: a compiled graph has no ranges


def phase_pass(sweep, entry):
    """{range name: mean exclusive us per call} over --phase-samples recorded calls, run after
    the timed loop and the kernel timing so neither sees the recorder; {} when off, for the
    compiled variant, graph mode or the model, or when the recorder is not attached (said once,
    e.g. under nsys)."""
    calls = sweep.args.phase_samples
    if calls <= 0 or entry.variant not in PHASE_VARIANTS or entry.mode != "eager":
        return {}
    from fa_versus import _phases

    if not _phases.ATTACHED:
        if not getattr(phase_pass, "said", False):
            print(f"[py-sweep] phase pass skipped: {_phases.STATE}", file=sys.stderr)
            phase_pass.said = True
        return {}
    held = []
    fn, args, kwargs = entry.fn, entry.args, entry.kwargs

    def call():
        held.append(fn(*args, **kwargs))

    def after_call():
        sweep.sync()
        held.clear()

    return _phases.record_means(call, calls, after_call)


# --- Report -----------------------------------------------------------------------------------


def make_rows(ext, shape, config, repetitions, results, family_start, attention_counters):
    """Report rows (ext.ReportRow) of one shape: one per repetition, or one failed row."""
    batch, seqlen, heads, head_dim = shape
    flops = ext.attention_flops(batch, seqlen, heads, head_dim, config["causal"])
    nbytes = ext.attention_bytes(batch, seqlen, heads, head_dim)
    rows = []
    warnings = []
    for offset, (label, result) in enumerate(results.items()):
        variant, mode = sweep_plan.split_entry(label)
        name = case_name(ext, variant, batch, seqlen, heads, head_dim, config["dtype"], mode)

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
                if attention_counters:
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


def make_context(torch, sweep, config, variants, modes, args, ext, cases, warmup_check):
    """py-sweep's own context fields (keys from harness/report/context_keys)."""
    commit, dirty = git_commit()
    workload = sweep.workload
    context = {
        ext.schema_version_key: ext.report_schema_version,
        "tool": "py-sweep",
        "backend": sweep.device,
        "mode": ",".join(modes),
        "workload": workload.describe(),
        "kernel_timing": "torch-profiler" if sweep.kernel_timing else "off",
        "kernel_name_tag": workload.kernel_tag() or "(all device activity of a call)",
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
        "warmup": f"every entry's first call (compile, capture) and {WARMUP_ROUNDS_PER_SHAPE} "
        f"interleaved rounds of warm-up on each shape; a prime of {args.prime_min_s:g}-"
        f"{args.prime_max_s:g} s until steady before the first timed case; "
        f"{sweep.warmup_iterations} calls and at least {sweep.warmup_s:g} s before every timed "
        "loop",
        "warmup_check": warmup_check,
        "extension": getattr(ext, "__file__", ""),
    }
    if sweep.kernel_timing:
        when = ("end: a pass over every shape after all timed loops and the re-run; per "
                "repetition" if sweep.kernel_timing == "end" else "after: after each "
                "repetition's timed loops;")
        context["kernel_timing_phase"] = (
            f"{when} {sweep.kernel_samples} profiled calls per entry on that repetition's inputs, "
            "one torch.profiler session (CUDA activities) per entry; "
            + ("kernel_us = the median core-kernel duration" if workload.kernel_tag()
               else "kernel_us = the device time of all activity per call (sum / calls)")
        )
    if sweep.iterations:
        context["iterations"] = sweep.iterations
    if any(v in workload.compile_variants for v in variants):
        context["torch_compile"] = {"mode": args.compile_mode, "fullgraph": workload.fullgraph,
                                    "dynamic": bool(args.compile_dynamic),
                                    "inputs": args.compile_inputs}
    if sweep.first_calls:
        context["first_calls"] = sweep.first_calls
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


def print_summary(shapes_results, labels, out=sys.stdout):
    """One line per shape and entry; the e2e ratio against the first entry of the same mode."""
    baselines = {}
    for label in labels:
        baselines.setdefault(sweep_plan.split_entry(label)[1], label)
    header = f"{'case':28} {'entry':32} {'e2e us':>10} {'host us':>10} {'kernel us':>10} " \
             f"{'overhead':>10} {'e2e/baseline':>13}"
    print("baselines: " + ", ".join(baselines.values()), file=out)
    print(header, file=out)
    print("-" * len(header), file=out)
    for shape_label, results in shapes_results:
        medians = {}
        for label in labels:
            result = results.get(label)
            if result is None:
                continue
            if isinstance(result, str):
                print(f"{shape_label:28} {label:32} FAILED: {result[:80]}", file=out)
                continue
            if not result:
                continue
            e2e = statistics.median(r["e2e_us"] for r in result)
            host = statistics.median(r["host_us"] for r in result)
            kernels = [r["kernel_us"] for r in result if r["kernel_us"] is not None]
            kernel = statistics.median(kernels) if kernels else None
            medians[label] = e2e
            baseline = baselines[sweep_plan.split_entry(label)[1]]
            ratio = f"{e2e / medians[baseline]:.3f}" if baseline in medians else "-"
            kernel_text = f"{kernel:10.2f}" if kernel is not None else f"{'-':>10}"
            overhead_text = f"{e2e - kernel:10.2f}" if kernel is not None else f"{'-':>10}"
            print(f"{shape_label:28} {label:32} {e2e:10.2f} {host:10.2f} {kernel_text} "
                  f"{overhead_text} {ratio:>13}", file=out)


# --- Main -------------------------------------------------------------------------------------


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
    try:
        from fa_versus import _ext

        return torch, _ext.load_extension()
    except ImportError as error:
        raise UsageError(f"py-sweep: cannot load fa_versus_ext: {error}") from None


def make_workload(torch, args, config, dtype, shape_count):
    try:
        from fa_versus import sweep_workloads, v2_6_3, v2_7_0  # noqa: F401  (the layers load)
    except ImportError as error:
        raise UsageError(f"py-sweep: cannot load the Python layers: {error}") from None
    common = dict(dtype=dtype, device=args.device_resolved, causal=config["causal"],
                  compile_mode=args.compile_mode, compile_dynamic=args.compile_dynamic,
                  seed=args.seed if args.seed is not None else config["seed"])
    if args.workload == "model":
        if config["causal"]:
            raise UsageError(f"py-sweep: {config['path']}: causal: the model workload is an "
                             "encoder (not causal); use a config with causal false")
        workload = sweep_workloads.ModelWorkload(layers=args.model_layers, **common)
    else:
        workload = sweep_workloads.AttentionWorkload(**common)
    if args.compile:
        # The model: both compile variants share its code objects, and 2.6.3's resume frame
        # after the graph break is one per layer.
        per_shape = 2 * args.model_layers if args.workload == "model" else 2
        sweep_workloads.raise_recompile_limits(shape_count, per_shape)
    return workload


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    torch, ext = load_ext(args)
    config = load_config(ext, args.config)
    try:
        filter_re = re.compile(args.filter)
    except re.error as error:
        raise UsageError(f"py-sweep: --filter: bad regex {args.filter!r} ({error})") from None
    try:
        variants = sweep_plan.select_variants(args.workload, args.variants,
                                              config["py_variants"], args.compile)
    except ValueError as error:
        raise UsageError(f"py-sweep: {error}") from None
    compiled = sweep_plan.WORKLOAD_VARIANTS[args.workload][1]
    if args.mode == "graph" and all(v in compiled for v in variants):
        raise UsageError("py-sweep: --mode graph: the compile variants run eager only "
                         "(name a layer variant, or use --mode both)")
    modes = list(MODES) if args.mode == "both" else [args.mode]
    labels = sweep_plan.entry_labels(variants, modes, compiled)
    shapes = build_shapes(config)
    selected = []  # (shape, shape_index, [entry labels whose case name matches])
    for index, shape in enumerate(shapes):
        matching = []
        for label in labels:
            variant, mode = sweep_plan.split_entry(label)
            if filter_re.search(case_name(ext, variant, *shape, config["dtype"], mode)):
                matching.append(label)
        if matching:
            selected.append((shape, index, matching))
    if not selected:
        raise UsageError(f"py-sweep: --filter: {args.filter!r} matches no case")
    if args.list:
        for shape, _, matching in selected:
            for label in matching:
                variant, mode = sweep_plan.split_entry(label)
                print(case_name(ext, variant, *shape, config["dtype"], mode))
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
    if args.device_resolved == "cuda" and not ext.with_cuda:
        raise UsageError("py-sweep: --device cuda: fa_versus_ext was built without CUDA")
    if "graph" in modes and args.device_resolved != "cuda":
        raise UsageError("py-sweep: --mode graph/both: CUDA graphs need --device cuda")
    dtype = {"fp16": torch.float16, "bf16": torch.bfloat16}[config["dtype"]]
    workload = make_workload(torch, args, config, dtype, len(selected))

    sweep = Sweep(torch, ext, args, config, workload)
    # The model runs as inference: no autograd anywhere (the lone call keeps grad mode on, as
    # the study's micro-benchmark did; its inputs need no grad, so no graph is recorded).
    grad_mode = torch.no_grad() if args.workload == "model" else contextlib.nullcontext()
    print(f"py-sweep: {len(selected)} shapes x {len(labels)} entries ({args.workload}), "
          f"{sweep.repetitions} repetitions, on {sweep.device} ({config['name']})",
          file=sys.stderr)
    rows, warnings, summary = [], [], []
    families = 0  # Google Benchmark's family_index: one per case
    failed = False
    first = None  # (shape, index, labels, results) of the first timed shape
    stopped = None  # why the sweep stopped before the last shape (--time-limit)
    run_cases = 0
    started = time.perf_counter()
    timed = []  # (shape, index, label, results) per shape, in the order run
    cpu = host_cpu.HostCpuRecord()  # the context's host_cpu: the timing thread's core, switches
    cpu.start()
    with grad_mode:
        if sweep.kernel_timing == "after":
            sweep.warm_up_profiler()
        for position, (shape, index, matching) in enumerate(selected, start=1):
            if args.time_limit and time.perf_counter() - started > args.time_limit:
                stopped = (f"stopped after {position - 1} of {len(selected)} shapes: "
                           f"--time-limit {args.time_limit:g} s reached")
                print(f"py-sweep: {stopped}", file=sys.stderr)
                break
            batch, seqlen, heads, head_dim = shape
            label = f"b:{batch}/s:{seqlen}/h:{heads}/d:{head_dim}"
            results = sweep.run_shape(shape, index, matching, prime=position == 1)
            cpu.note()
            if position == 1:
                first = (shape, index, matching, results)
                if sweep.prime_record:
                    record = sweep.prime_record
                    print(f"py-sweep: prime at {label}: {record['seconds']:.2f} s, "
                          f"{record['rounds']} rounds, steady: {record['steady']}",
                          file=sys.stderr)
            run_cases += len(matching)
            timed.append((shape, index, label, results))
            errors = [f"{name}: {r}" for name, r in results.items() if isinstance(r, str)]
            print(f"[{position}/{len(selected)}] {label} done "
                  f"({time.perf_counter() - started:.1f} s)"
                  + (f"; FAILED {'; '.join(errors)}" if errors else ""), file=sys.stderr)
        warmup_check = {"prime": sweep.prime_record}
        if not args.no_rerun and first is not None:
            shape, index, matching, first_results = first
            label = f"b:{shape[0]}/s:{shape[1]}/h:{shape[2]}/d:{shape[3]}"
            rerun = sweep.run_shape(shape, index, matching)
            warmup_check["first_case"] = sweep_plan.first_case_check(label, first_results, rerun)
            print(f"[re-run] {label} done ({time.perf_counter() - started:.1f} s)",
                  file=sys.stderr)
        if sweep.kernel_timing == "end" and timed:
            sweep.warm_up_profiler()
            for shape, index, label, results in timed:
                sweep.kernel_pass(shape, index, results)
            print(f"[kernel timing] {len(timed)} shapes done "
                  f"({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    for shape, index, label, results in timed:
        shape_rows, shape_warnings = make_rows(
            ext, shape, config, sweep.repetitions, results, family_start=families,
            attention_counters=workload.has_attention_counters)
        families += len(results)
        rows.extend(shape_rows)
        warnings.extend(shape_warnings)
        summary.append((label, results))
        failed |= any(isinstance(result, str) for result in results.values())
    for warning in warnings + sweep.warnings:
        print(f"py-sweep: warning: {warning}", file=sys.stderr)
    print_summary(summary, labels)
    if "first_case" in warmup_check:
        check = warmup_check["first_case"]
        print("\n".join(sweep_plan.first_case_lines(check)))
        for name in check["flagged"]:
            print(f"py-sweep: warning: first case {check['shape']} {name}: e2e "
                  f"x{check['entries'][name]['e2e_ratio']:.3f} of its re-run (see "
                  "context warmup_check)", file=sys.stderr)
    if args.out:
        context = make_context(torch, sweep, config, variants, modes, args, ext, run_cases,
                               warmup_check)
        context["host_cpu"] = cpu.record()
        if stopped:
            context["note"] = stopped + (f"; {context['note']}" if "note" in context else "")
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
