"""py-sweep's torch-free logic: steady-state detection, the first-case check, counter deltas,
variant and entry selection, and the warm-up flow of Sweep.run_shape on a fake clock (a modelled
GPU whose calls are slow for the first 0.8 s, as the first case of issue 14.2 was).

Needs no torch and no GPU: `python3 -m pytest tests/python/test_sweep_plan.py`, or without
pytest `python3 tests/python/test_sweep_plan.py`.
"""

import importlib.util
import sys
import types
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO / "python") not in sys.path:
    sys.path.insert(0, str(REPO / "python"))

from fa_versus import sweep_plan  # noqa: E402


def _load_py_sweep():
    spec = importlib.util.spec_from_file_location("py_sweep", REPO / "scripts" / "py-sweep.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _raises(exception, fn, *args):
    try:
        fn(*args)
    except exception as error:
        return str(error)
    raise AssertionError(f"{fn.__name__}{args} did not raise {exception.__name__}")


# --- Steady state ----------------------------------------------------------------------------


def test_steady_needs_consecutive_rounds_within_tolerance():
    assert not sweep_plan.steady([])
    assert not sweep_plan.steady([33.0, 33.0])  # two rounds: one comparison, two needed
    assert sweep_plan.steady([51.0, 33.2, 33.0, 33.1])
    assert not sweep_plan.steady([51.0, 40.0, 33.0])  # still falling
    assert not sweep_plan.steady([33.0, 33.0, 36.0])  # a 9% jump in the last round
    assert sweep_plan.steady([33.0, 33.0, 36.0], tolerance=0.10)


def test_prime_finishes_when_steady_after_the_minimum_or_at_the_maximum():
    steady_history = {"a": [40.0, 33.0, 33.0, 33.0], "b": [70.0, 64.0, 64.1, 64.0]}
    falling = {"a": [40.0, 33.0, 33.0, 33.0], "b": [90.0, 80.0, 70.0, 64.0]}
    assert sweep_plan.prime_finished(steady_history, 0.5, min_s=1.0) == (False, True)
    assert sweep_plan.prime_finished(steady_history, 1.0, min_s=1.0) == (True, True)
    assert sweep_plan.prime_finished(falling, 2.0, min_s=1.0, max_s=6.0) == (False, False)
    assert sweep_plan.prime_finished(falling, 6.0, min_s=1.0, max_s=6.0) == (True, False)
    assert sweep_plan.prime_finished({}, 2.0) == (False, False)


def test_prime_record_is_typed():
    record = sweep_plan.prime_record("b:2/s:50/h:16/d:16", {"a": [40.0, 33.0]}, 1.23456, False)
    assert record == {"shape": "b:2/s:50/h:16/d:16", "seconds": 1.235, "rounds": 2,
                      "steady": False, "tolerance": sweep_plan.PRIME_TOLERANCE,
                      "round_median_e2e_us": {"a": [40.0, 33.0]}}


# --- First case against its re-run ------------------------------------------------------------


def _reps(*e2e):
    return [{"e2e_us": us, "host_us": us * 0.75} for us in e2e]


def test_first_case_check_flags_the_issue_gap_and_not_noise():
    first = {"py-v2.6.3/eager": _reps(51.0, 51.4, 52.0), "py-v2.7.0/eager": _reps(64.0, 65.0)}
    rerun = {"py-v2.6.3/eager": _reps(33.0, 33.4, 32.9), "py-v2.7.0/eager": _reps(63.5, 64.5)}
    check = sweep_plan.first_case_check("b:2/s:50/h:16/d:16", first, rerun)
    assert check["flagged"] == ["py-v2.6.3/eager"]
    slow = check["entries"]["py-v2.6.3/eager"]
    assert slow["first_e2e_us"] == 51.4 and slow["rerun_e2e_us"] == 33.0
    assert abs(slow["e2e_ratio"] - 51.4 / 33.0) < 1e-3 and slow["flagged"]
    assert abs(slow["host_ratio"] - 51.4 / 33.0) < 1e-3
    assert not check["entries"]["py-v2.7.0/eager"]["flagged"]
    lines = sweep_plan.first_case_lines(check)
    assert any("py-v2.6.3/eager" in line and "FLAGGED" in line for line in lines)
    assert not any("py-v2.7.0/eager" in line and "FLAGGED" in line for line in lines)


def test_first_case_check_of_a_failed_entry_compares_nothing():
    check = sweep_plan.first_case_check("s", {"a": "RuntimeError: x", "b": _reps(10.0)},
                                        {"a": _reps(10.0), "b": "kernel timing: boom"})
    assert check["flagged"] == []
    for name in ("a", "b"):
        assert check["entries"][name]["e2e_ratio"] is None
    assert any("no comparison" in line for line in sweep_plan.first_case_lines(check))


# --- Counters, variants, entries --------------------------------------------------------------


def test_counter_delta_keeps_changes_only():
    before = {"stats": {"unique_graphs": 2, "calls_captured": 10}, "frames": {"ok": 3}}
    after = {"stats": {"unique_graphs": 3, "calls_captured": 10}, "frames": {"ok": 3},
             "graph_break": {"call to a pybind11 function": 4}}
    assert sweep_plan.counter_delta(before, after) == {
        "stats": {"unique_graphs": 1}, "graph_break": {"call to a pybind11 function": 4}}
    assert sweep_plan.counter_delta(after, after) == {}


def test_select_variants_per_workload():
    assert sweep_plan.select_variants("attention", None, [], False) == ["py-v2.6.3", "py-v2.7.0"]
    assert sweep_plan.select_variants("attention", None, [], True) == [
        "py-v2.6.3", "py-v2.7.0", "py-v2.7.0-compile"]
    assert sweep_plan.select_variants("model", None, ["py-v2.6.3"], True) == [
        "py-model-v2.6.3", "py-model-v2.7.0", "py-model-v2.6.3-compile",
        "py-model-v2.7.0-compile"]
    assert sweep_plan.select_variants("model", "py-model-v2.7.0", [], False) == [
        "py-model-v2.7.0"]
    assert "unknown variant \"py-v2.6.3\" for the model workload" in _raises(
        ValueError, sweep_plan.select_variants, "model", "py-v2.6.3", [], False)
    assert "named twice" in _raises(ValueError, sweep_plan.select_variants, "attention",
                                    "py-v2.6.3,py-v2.6.3", [], False)
    assert "empty list" in _raises(ValueError, sweep_plan.select_variants, "attention", ",",
                                   [], False)


def test_entry_labels_keep_compile_variants_out_of_graph_mode():
    labels = sweep_plan.entry_labels(["py-v2.6.3", "py-v2.7.0-compile"], ["eager", "graph"],
                                     sweep_plan.ATTENTION_COMPILE_VARIANTS)
    assert labels == ["py-v2.6.3/eager", "py-v2.6.3/graph", "py-v2.7.0-compile/eager"]
    assert sweep_plan.split_entry("py-model-v2.7.0/graph") == ("py-model-v2.7.0", "graph")
    assert "expected <variant>/<mode>" in _raises(ValueError, sweep_plan.split_entry, "eager")


# --- The warm-up flow of Sweep.run_shape, on a fake clock --------------------------------------


class FakeClock:
    """time.perf_counter for py-sweep: advanced only by the modelled calls."""

    def __init__(self):
        self.now = 0.0

    def perf_counter(self):
        return self.now


class RampingDevice:
    """Calls cost `slow` us until `ramp_s` of (fake) time has passed, then `fast` us: the
    first case of issue 14.2 (GPU clocks and the interpreter settling)."""

    def __init__(self, clock, ramp_s, costs):
        self.clock, self.ramp_s, self.costs = clock, ramp_s, costs

    def fn(self, variant):
        slow, fast = self.costs[variant]

        def call(*args, **kwargs):
            self.clock.now += (slow if self.clock.now < self.ramp_s else fast) * 1e-6
            return object()

        return call


class FakeBuffer:
    def normal_(self, generator=None):
        return self


class FakeWorkload:
    name = "attention"
    compile_variants = ()
    fullgraph = True
    has_attention_counters = True

    def describe(self):
        return {"name": self.name}

    def __init__(self, device):
        self.device = device

    def buffers(self, shape):
        return (FakeBuffer(), FakeBuffer(), FakeBuffer())

    def call_kwargs(self):
        return {"causal": False}

    def callable(self, variant, shape):
        return self.device.fn(variant)

    def kernel_tag(self):
        return "attention_fwd_kernel"


def _sweep(py_sweep, clock, prime_max_s):
    class Generator:
        def __init__(self, device):
            pass

        def manual_seed(self, seed):
            return self

    fake_torch = types.SimpleNamespace(float16="fp16", bfloat16="bf16", Generator=Generator)
    args = types.SimpleNamespace(
        device_resolved="cpu", repetitions=3, min_time=0.05, iterations=None, warmup=None,
        kernel_samples=None, kernel_timing="after", seed=None, compile_inputs="copied",
        prime_min_s=1.0, prime_max_s=prime_max_s, phase_samples=0)
    config = {"dtype": "fp16", "causal": False, "repetitions": 10, "min_time_s": 0.15,
              "iterations": None, "warmup_iterations": 5, "warmup_s": 0.005, "kernel_samples": 10,
              "seed": 0}
    device = RampingDevice(clock, 0.8, {"py-v2.6.3": (51.4, 33.0), "py-v2.7.0": (117.0, 64.0)})
    py_sweep.time = types.SimpleNamespace(perf_counter=clock.perf_counter)
    return py_sweep.Sweep(fake_torch, None, args, config, FakeWorkload(device))


def _first_and_rerun(prime_max_s):
    py_sweep = _load_py_sweep()
    clock = FakeClock()
    sweep = _sweep(py_sweep, clock, prime_max_s)
    labels = ["py-v2.6.3/eager", "py-v2.7.0/eager"]
    shape = (2, 50, 16, 16)
    first = sweep.run_shape(shape, 0, labels, prime=True)
    clock.now += 30.0  # the other shapes of the sweep, before the re-run at its end
    rerun = sweep.run_shape(shape, 0, labels)
    return sweep, first, sweep_plan.first_case_check("b:2/s:50/h:16/d:16", first, rerun)


def test_the_prime_brings_the_first_case_to_steady_state():
    sweep, first, check = _first_and_rerun(prime_max_s=6.0)
    assert sweep.prime_record["steady"] and sweep.prime_record["seconds"] >= 1.0
    assert sweep.prime_record["rounds"] >= 3
    for label, fast in (("py-v2.6.3/eager", 33.0), ("py-v2.7.0/eager", 64.0)):
        assert len(first[label]) == 3
        for rep in first[label]:
            assert abs(rep["e2e_us"] - fast) < 1e-6 and rep["iterations"] > 0
    assert check["flagged"] == []


def test_without_the_prime_the_check_flags_the_inflated_first_case():
    sweep, first, check = _first_and_rerun(prime_max_s=0.0)
    assert sweep.prime_record is None
    assert first["py-v2.6.3/eager"][0]["e2e_us"] > 50.0  # measured during the ramp
    assert check["flagged"] == ["py-v2.6.3/eager", "py-v2.7.0/eager"]


def test_a_failing_entry_becomes_its_error_and_the_others_run():
    py_sweep = _load_py_sweep()
    clock = FakeClock()
    sweep = _sweep(py_sweep, clock, prime_max_s=1.0)

    def broken(*args, **kwargs):
        raise RuntimeError("q: dtype must be float16 or bfloat16")

    workload = sweep.workload
    good = workload.callable
    workload.callable = lambda variant, shape: broken if variant == "py-v2.7.0" else good(
        variant, shape)
    results = sweep.run_shape((2, 50, 16, 16), 0, ["py-v2.6.3/eager", "py-v2.7.0/eager"],
                              prime=True)
    assert results["py-v2.7.0/eager"] == "RuntimeError: q: dtype must be float16 or bfloat16"
    assert len(results["py-v2.6.3/eager"]) == 3


def test_the_rerun_of_the_first_case_keeps_its_first_call_record():
    # The re-run at the end finds the compiled graph cached: its first call is fast, and must not
    # replace the first shape's record of the compile (context first_calls).
    py_sweep = _load_py_sweep()
    clock = FakeClock()
    sweep = _sweep(py_sweep, clock, prime_max_s=0.0)
    sweep.ext = FakeExt()
    compiled_once = set()
    good = sweep.workload.callable

    def callable_(variant, shape):
        if variant != "py-v2.7.0-compile":
            return good(variant, shape)

        def call(*args, **kwargs):
            clock.now += 64e-6 if shape in compiled_once else 12.0  # 12 s: the compile
            compiled_once.add(shape)
            return object()

        return call

    sweep.workload.callable = callable_
    labels = ["py-v2.6.3/eager", "py-v2.7.0-compile/eager"]
    shape = (2, 50, 16, 16)
    sweep.run_shape(shape, 0, labels)
    sweep.run_shape(shape, 0, labels)  # the re-run
    record = sweep.first_calls["fwd/py-v2.7.0-compile/b:2/s:50/h:16/d:16/fp16/eager"]
    assert record["seconds"] >= 12.0 and record["what"] == "first call"
    assert list(sweep.first_calls) == ["fwd/py-v2.7.0-compile/b:2/s:50/h:16/d:16/fp16/eager"]


def _kernel_timing_sweep(when):
    """A sweep whose kernel_time is a stand-in that records, per call, the repetition whose
    inputs were last filled in and whether any timed loop ran after an earlier profiling."""
    py_sweep = _load_py_sweep()
    clock = FakeClock()
    sweep = _sweep(py_sweep, clock, prime_max_s=0.0)
    sweep.kernel_timing = when
    log = []  # ("fill", repetition) / ("timed", label) / ("profiled", label, repetition)
    filled = {"repetition": None}
    fill, timed_loop = sweep.fill, sweep.timed_loop

    def recording_fill(buffers, shape_index, repetition):
        filled["repetition"] = repetition
        fill(buffers, shape_index, repetition)

    def recording_timed_loop(entry, iterations):
        log.append(("timed", entry.label))
        return timed_loop(entry, iterations)

    def kernel_time(entry):
        log.append(("profiled", entry.label, filled["repetition"]))
        return 2.0 + filled["repetition"]

    sweep.fill, sweep.timed_loop, sweep.kernel_time = recording_fill, recording_timed_loop, \
        kernel_time
    return sweep, log


def test_kernel_timing_end_profiles_after_every_timed_loop_on_each_repetitions_inputs():
    sweep, log = _kernel_timing_sweep("end")
    labels = ["py-v2.6.3/eager", "py-v2.7.0/eager"]
    shapes = [((2, 50, 16, 16), 0), ((32, 150, 16, 16), 1)]
    results = [sweep.run_shape(shape, index, labels) for shape, index in shapes]
    assert not [event for event in log if event[0] == "profiled"]
    assert all(rep["kernel_us"] is None for r in results for reps in r.values() for rep in reps)
    timed_loops = len(log)
    for (shape, index), result in zip(shapes, results):
        sweep.kernel_pass(shape, index, result)
    profiled = log[timed_loops:]
    assert profiled and all(event[0] == "profiled" for event in profiled)  # no loop after one
    assert len(profiled) == 2 * 2 * 3  # shapes x entries x repetitions
    for result in results:
        for label in labels:
            # repetition r was profiled on repetition r's inputs (kernel_time returns 2 + r)
            assert [rep["kernel_us"] for rep in result[label]] == [2.0, 3.0, 4.0]


def test_kernel_timing_after_profiles_between_the_timed_loops():
    sweep, log = _kernel_timing_sweep("after")
    result = sweep.run_shape((2, 50, 16, 16), 0, ["py-v2.6.3/eager", "py-v2.7.0/eager"])
    kinds = [event[0] for event in log]
    assert kinds.index("profiled") < len(kinds) - 1 - kinds[::-1].index("timed")
    assert [rep["kernel_us"] for rep in result["py-v2.6.3/eager"]] == [2.0, 3.0, 4.0]


def test_a_kernel_pass_that_fails_makes_the_entry_a_failed_case():
    sweep, _log = _kernel_timing_sweep("end")
    labels = ["py-v2.6.3/eager", "py-v2.7.0/eager"]
    result = sweep.run_shape((2, 50, 16, 16), 0, labels)
    working = sweep.kernel_time

    def kernel_time(entry):
        if entry.label == "py-v2.7.0/eager":
            raise RuntimeError("the profiler saw 9 'attention_fwd_kernel' kernels for 10 calls")
        return working(entry)

    sweep.kernel_time = kernel_time
    sweep.kernel_pass((2, 50, 16, 16), 0, result)
    assert result["py-v2.7.0/eager"] == ("kernel timing: RuntimeError: the profiler saw 9 "
                                         "'attention_fwd_kernel' kernels for 10 calls")
    assert [rep["kernel_us"] for rep in result["py-v2.6.3/eager"]] == [2.0, 3.0, 4.0]


class FakeKinetoEvent:
    def __init__(self, device, name, start_ns, duration_ns, annotation=False):
        self._device, self._name, self._start, self._duration = device, name, start_ns, duration_ns
        self._annotation = annotation

    def device_type(self):
        return self._device

    def name(self):
        return self._name

    def start_ns(self):
        return self._start

    def duration_ns(self):
        return self._duration

    def is_user_annotation(self):
        return self._annotation


def test_device_time_leaves_out_annotations_and_host_ranges_images():
    py_sweep = _load_py_sweep()
    events = [
        FakeKinetoEvent("cuda", "gemm", 3000, 2000),
        FakeKinetoEvent("cuda", "attention_fwd_kernel", 1000, 4000),
        # a GPU image of a range whose host side this CUDA-only session did not record
        FakeKinetoEvent("cuda", "Torch-Compiled Region: 0/0", 900, 9000, annotation=True),
        FakeKinetoEvent("cpu", "CompiledFunction", 800, 9500),
        FakeKinetoEvent("cuda", "CompiledFunction", 850, 9300),  # its host range is there
    ]
    results = types.SimpleNamespace(events=lambda: events)
    prof = types.SimpleNamespace(profiler=types.SimpleNamespace(kineto_results=results))
    assert py_sweep.device_durations_us(prof, None, "cuda") == [4.0, 2.0]
    assert py_sweep.device_durations_us(prof, "attention_fwd_kernel", "cuda") == [4.0]


# --- py-sweep's main(), end to end on fakes -----------------------------------------------------


class FakeExt:
    """What main() uses of fa_versus_ext: the config, case names, rows and the report writer."""

    schema_version_key = "fa_versus_schema"
    report_schema_version = 1
    tflops_counter, gbps_counter = "tflops", "gbps"
    with_cuda = False

    class ReportRow:
        pass

    class CaseStatus:
        @staticmethod
        def failed(why):
            return ("failed", why)

    def __init__(self):
        self.written = None

    def load_sweep_config(self, path, python_variants):
        assert "py-model-v2.7.0-compile" in python_variants
        return {"path": path, "name": "smoke", "description": "d", "hash": "0x1",
                "grid": {"batch": [2, 4], "seqlen": [50], "heads": [4], "embed": [64]},
                "dtype": "fp16", "causal": False, "variants": ["v2.6.3"], "modes": ["eager"],
                "repetitions": 2, "min_time_s": 0.01, "iterations": None,
                "warmup_iterations": 2, "warmup_s": 0.0, "kernel_samples": 5, "seed": 0}

    def case_name(self, variant, batch, seqlen, heads, head_dim, dtype, mode):
        return f"fwd/{variant}/b:{batch}/s:{seqlen}/h:{heads}/d:{head_dim}/{dtype}/{mode}"

    def attention_flops(self, *args):
        return 1.0

    def attention_bytes(self, *args):
        return 1.0

    def metric_counter(self, metric):
        return f"{metric}_us"

    def write_report(self, path, library, context, rows):
        self.written = (path, library, context, rows)


def _fake_main(*flags):
    """py-sweep's main() on the fake extension, torch and clock: (exit status, written report)."""
    py_sweep = _load_py_sweep()
    clock = FakeClock()
    device = RampingDevice(clock, 0.8, {"py-v2.6.3": (51.4, 33.0), "py-v2.7.0": (117.0, 64.0)})
    py_sweep.time = types.SimpleNamespace(perf_counter=clock.perf_counter)

    class Generator:
        def __init__(self, device):
            pass

        def manual_seed(self, seed):
            return self

    fake_torch = types.SimpleNamespace(
        __version__="2.11.0", float16="fp16", bfloat16="bf16", Generator=Generator,
        cuda=types.SimpleNamespace(is_available=lambda: False),
        version=types.SimpleNamespace(cuda=None))
    ext = FakeExt()
    py_sweep.load_ext = lambda args: (fake_torch, ext)
    py_sweep.make_workload = lambda torch, args, config, dtype, count: FakeWorkload(device)
    out = REPO / "fake-report.json"  # never written: FakeExt keeps it
    status = py_sweep.main(["--config", "configs/smoke.json", "--device", "cpu",
                            "--out", str(out), "--phase-samples", "0", *flags])
    return status, ext.written


def test_main_stops_starting_shapes_at_the_time_limit_and_says_so():
    status, (_, _, context, rows) = _fake_main("--time-limit", "0.5")
    assert status == 0
    assert context["note"].startswith("stopped after 1 of 2 shapes: --time-limit 0.5 s reached")
    assert context["cases"] == "2"
    assert {row.name.split("/")[2] for row in rows} == {"b:2"}
    assert "first_case" in context["warmup_check"]


def test_main_writes_typed_context_and_one_row_per_repetition():
    import json

    status, (path, library, context, rows) = _fake_main()
    assert status == 0 and path.endswith("fake-report.json")
    json.dumps(context)  # only JSON types: the C++ writer takes nothing else
    json.dumps(library)
    assert context["mode"] == "eager" and context["variants"] == ["py-v2.6.3", "py-v2.7.0"]
    check = context["warmup_check"]
    assert check["prime"]["steady"] and check["first_case"]["flagged"] == []
    assert check["first_case"]["shape"] == "b:2/s:50/h:4/d:16"
    names = sorted({row.name for row in rows})
    assert names == sorted(f"fwd/py-v2.{r}/b:{b}/s:50/h:4/d:16/fp16/eager/manual_time"
                           for r in ("6.3", "7.0") for b in (2, 4))
    assert len(rows) == 4 * 2  # 4 cases x 2 repetitions; the re-run adds no rows
    for row in rows:
        assert row.counters["e2e_us"] == row.real_time > 0
        assert "kernel_us" not in row.counters  # no kernel timing on the CPU
    cpu = context["host_cpu"]  # where the timing thread ran (docs/python-layer.md, "Warm-up")
    assert set(cpu["cpus_seen"]) <= set(cpu["affinity"]) and cpu["cpus_seen"]
    assert cpu["voluntary_context_switches"] >= 0 <= cpu["involuntary_context_switches"]


def test_host_cpu_reads_the_processor_field_after_a_command_name_with_spaces_and_parens():
    import io
    from unittest import mock

    from fa_versus import host_cpu

    # /proc/thread-self/stat of a thread named "py (sweep) 1" that last ran on CPU 7.
    fields = ["S"] + [str(n) for n in range(4, 39)] + ["7", "0", "0"]
    stat = "4242 (py (sweep) 1) " + " ".join(fields) + "\n"
    with mock.patch("builtins.open", return_value=io.StringIO(stat)):
        assert host_cpu.current_cpu() == 7
    with mock.patch("builtins.open", side_effect=OSError("no /proc")):
        assert host_cpu.current_cpu() is None


def test_main_refuses_graph_mode_off_the_gpu_and_graph_only_compile_variants():
    py_sweep = _load_py_sweep()
    fake_torch = types.SimpleNamespace(__version__="2.11.0",
                                       cuda=types.SimpleNamespace(is_available=lambda: False))
    py_sweep.load_ext = lambda args: (fake_torch, FakeExt())
    message = _raises(py_sweep.UsageError, py_sweep.main,
                      ["--config", "configs/smoke.json", "--device", "cpu", "--mode", "both"])
    assert "CUDA graphs need --device cuda" in message
    message = _raises(py_sweep.UsageError, py_sweep.main,
                      ["--config", "configs/smoke.json", "--mode", "graph",
                       "--variants", "py-v2.7.0-compile"])
    assert "the compile variants run eager only" in message


if __name__ == "__main__":  # without pytest
    tests = [(name, fn) for name, fn in sorted(globals().items()) if name.startswith("test_")]
    for name, fn in tests:
        fn()
        print(f"ok {name}")
    print(f"{len(tests)} passed, 0 failed")
