"""Phase ranges of the Python layers (python/fa_versus/_phases.py) with the C++ ranges below them,
recorded in-process by fa_kernels' phase recorder, and py-sweep's phase pass.

Runs where Python torch >= 2.4 and the built extension fa_versus_ext are present (else the module
skips with the reason), on the CPU (the CUDA case skips without a GPU).
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from layer_loader import load_layers

REPO = Path(__file__).resolve().parents[2]


torch, (phases, v2_6_3, v2_7_0), ext = load_layers("_phases", "v2_6_3", "v2_7_0")

CORE = {"core/device_guard", "core/alloc", "core/params", "core/launch", "unattributed"}
PY263 = {"py/v2.6.3/flash_attn_func", "py/v2.6.3/autograd_function", "py/v2.6.3/forward",
         "py/v2.6.3/prechecks", "py/v2.6.3/cpp_call", "v2.6.3/mha_fwd", "v2.6.3/checks"}
PY270 = {"py/v2.7.0/flash_attn_func", "py/v2.7.0/autograd_function", "py/v2.7.0/forward",
         "py/v2.7.0/prechecks", "py/v2.7.0/custom_op", "py/v2.7.0/op_body",
         "py/v2.7.0/cpp_call", "py/v2.7.0/slice", "v2.7.0/mha_fwd", "v2.7.0/op_checks",
         "v2.7.0/alloc_p"}
EXPECTED = {
    ("py-v2.6.3", 16): PY263 | CORE,
    ("py-v2.6.3", 12): PY263 | CORE | {"v2.6.3/pad", "v2.6.3/slice"},
    ("py-v2.7.0", 16): PY270 | CORE,
    ("py-v2.7.0", 12): PY270 | CORE | {"py/v2.7.0/pad"},
}
LAYERS = {"py-v2.6.3": v2_6_3.flash_attn_func, "py-v2.7.0": v2_7_0.flash_attn_func}


def qkv(head_dim, device="cpu"):
    shape = (2, 17, 4, head_dim)
    return [torch.randn(shape, dtype=torch.float16, device=device) for _ in range(3)]


def record(layer, head_dim, calls=5):
    q, k, v = qkv(head_dim)
    held = []
    return phases.record_means(lambda: held.append(LAYERS[layer](q, k, v)), calls, held.clear)


def test_the_recorder_is_attached():
    assert phases.ATTACHED, phases.STATE


@pytest.mark.parametrize("layer,head_dim", sorted(EXPECTED))
def test_every_phase_of_each_layer_appears_with_a_positive_time(layer, head_dim):
    means = record(layer, head_dim)
    assert set(means) == EXPECTED[(layer, head_dim)]
    for name, us in means.items():
        if name == "unattributed":
            assert us >= 0, name
        else:
            assert us > 0, name
    assert not phases.on  # only inside record_means


def test_nothing_is_recorded_outside_a_phase_pass():
    q, k, v = qkv(16)
    before = ext.phase_recorded_event_count()
    for fn in LAYERS.values():
        fn(q, k, v)
    assert ext.phase_recorded_event_count() == before
    record("py-v2.6.3", 16, calls=1)
    assert ext.phase_recorded_event_count() > before


def test_a_failing_call_leaves_the_flag_off():
    q, k, v = qkv(16)
    with pytest.raises(RuntimeError, match="dtype"):
        phases.record_means(lambda: LAYERS["py-v2.7.0"](q.float(), k.float(), v.float()), 1)
    assert not phases.on


def test_py_sweep_reports_phase_counters(tmp_path):
    out = tmp_path / "py.json"
    command = [sys.executable, str(REPO / "scripts" / "py-sweep.py"), "--config",
               str(REPO / "configs" / "smoke.json"), "--device", "cpu", "--iterations", "3",
               "--repetitions", "2", "--phase-samples", "5", "--out", str(out)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    rows = [row for row in json.loads(out.read_text())["benchmarks"]
            if row.get("run_type") == "iteration"]
    assert rows
    for row in rows:
        names = {key[len("phase:"):] for key in row if key.startswith("phase:")}
        layer = "py-v2.6.3" if "/py-v2.6.3/" in row["name"] else "py-v2.7.0"
        assert names == EXPECTED[(layer, 16)], row["name"]
