"""The encoder through both layers against a plain-PyTorch reference (SDPA), graph-mode replays
against eager calls, and py-sweep's new report fields (the warm-up check, the model workload,
graph mode).

Runs where Python torch >= 2.4 and the built extension fa_versus_ext are present (else the module
skips with the reason); the CUDA cases skip without a GPU.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from layer_loader import cuda_marks, load_layers

REPO = Path(__file__).resolve().parents[2]

torch, (v2_6_3, v2_7_0, encoder), ext = load_layers("v2_6_3", "v2_7_0", "encoder")
F = torch.nn.functional

LAYERS = {"py-v2.6.3": v2_6_3.flash_attn_func, "py-v2.7.0": v2_7_0.flash_attn_func}


needs_cuda, DEVICES = cuda_marks(torch, ext)


def reference_encoder(model, x):
    """The same encoder written out in plain PyTorch, in float32, attention by SDPA: reads the
    model's parameters by name, shares none of its code."""
    p = {name: t.float() for name, t in model.named_parameters()}
    h = x.float()
    batch, seqlen, embed = h.shape
    heads = model.layers[0].attn.heads
    head_dim = embed // heads
    for i in range(len(model.layers)):
        pre = f"layers.{i}."
        a = F.layer_norm(h, (embed,), p[pre + "norm1.weight"], p[pre + "norm1.bias"])
        qkv = F.linear(a, p[pre + "attn.qkv.weight"], p[pre + "attn.qkv.bias"])
        q, k, v = qkv.view(batch, seqlen, 3, heads, head_dim).permute(2, 0, 3, 1, 4)
        o = F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(batch, seqlen, embed)
        h = h + F.linear(o, p[pre + "attn.proj.weight"], p[pre + "attn.proj.bias"])
        m = F.layer_norm(h, (embed,), p[pre + "norm2.weight"], p[pre + "norm2.bias"])
        m = F.linear(F.gelu(F.linear(m, p[pre + "mlp.fc1.weight"], p[pre + "mlp.fc1.bias"])),
                     p[pre + "mlp.fc2.weight"], p[pre + "mlp.fc2.bias"])
        h = h + m
    return F.layer_norm(h, (embed,), p["norm.weight"], p["norm.bias"])


def models(device, embed=64, heads=4, layers=2, dtype=torch.float16):
    return {name: encoder.build_encoder(fn, embed=embed, heads=heads, layers=layers,
                                        device=device, dtype=dtype, seed=3)
            for name, fn in LAYERS.items()}


def random_x(device, batch=3, seqlen=37, embed=64, dtype=torch.float16, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(batch, seqlen, embed, generator=g).to(device=device, dtype=dtype)


# --- The model ----------------------------------------------------------------------------------


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=["fp16", "bf16"])
def test_encoder_matches_the_sdpa_reference_through_both_layers(device, dtype):
    built = models(device, dtype=dtype)
    x = random_x(device, dtype=dtype)
    expected = reference_encoder(built["py-v2.6.3"], x)
    tol = 3e-2 if dtype == torch.float16 else 8e-2
    outputs = {}
    with torch.no_grad():
        for name, model in built.items():
            outputs[name] = model(x)
            assert outputs[name].shape == x.shape and outputs[name].dtype == dtype, name
            torch.testing.assert_close(outputs[name].float(), expected, atol=tol, rtol=tol,
                                       msg=name)
    # One kernel core behind both layers: the two models agree bit for bit.
    assert torch.equal(outputs["py-v2.6.3"], outputs["py-v2.7.0"])


def test_both_models_get_the_same_weights():
    built = models("cpu")
    a, b = (dict(m.named_parameters()) for m in built.values())
    assert a.keys() == b.keys() and len(a) == 2 * 12 + 2  # 6 modules of (w, b)
    for name in a:
        assert torch.equal(a[name], b[name]), name
        assert not a[name].requires_grad, name


def test_the_2_7_0_model_compiles_whole_and_2_6_3_breaks_the_graph():
    # aot_eager: the graph machinery without code generation, so this runs anywhere.
    import torch._dynamo

    torch._dynamo.reset()
    built = models("cpu")
    x = random_x("cpu")
    with torch.no_grad():
        whole = torch.compile(built["py-v2.7.0"], fullgraph=True, dynamic=False,
                              backend="aot_eager")
        torch.testing.assert_close(whole(x), built["py-v2.7.0"](x), atol=1e-3, rtol=1e-3)
        broken = torch.compile(built["py-v2.6.3"], fullgraph=True, dynamic=False,
                               backend="aot_eager")
        # pybind11's fwd is opaque to dynamo: a graph break, which fullgraph makes dynamo's
        # error (any other exception, e.g. from the layer or the core, is a real failure).
        with pytest.raises(torch._dynamo.exc.TorchDynamoException):
            broken(x)
        torch._dynamo.reset()
        allowed = torch.compile(built["py-v2.6.3"], fullgraph=False, dynamic=False,
                                backend="aot_eager")
        torch.testing.assert_close(allowed(x), built["py-v2.6.3"](x), atol=1e-3, rtol=1e-3)
    torch._dynamo.reset()


def test_a_2_6_3_model_compiled_first_leaves_the_2_7_0_model_one_whole_graph():
    # py-sweep and py-compile-diagnose compile both models in one process. The 2.6.3 model's
    # graph break falls inside Encoder.forward's loop, and dynamo marks that frame to run
    # eagerly; the mark must not reach the 2.7.0 model (encoder._give_own_code).
    import torch._dynamo
    from torch._dynamo.testing import CompileCounter

    torch._dynamo.reset()
    built = models("cpu")
    x = random_x("cpu")
    with torch.no_grad():
        broken_counter, whole_counter = CompileCounter(), CompileCounter()
        broken = torch.compile(built["py-v2.6.3"], dynamic=False, backend=broken_counter)
        for _ in range(2):
            broken(x)
        # The precondition: the break splits the 2.6.3 forward into several frames.
        assert broken_counter.frame_count > 1, broken_counter.frame_count
        whole = torch.compile(built["py-v2.7.0"], dynamic=False, backend=whole_counter)
        for _ in range(2):
            torch.testing.assert_close(whole(x), built["py-v2.7.0"](x), atol=1e-3, rtol=1e-3)
        assert whole_counter.frame_count == 1, whole_counter.frame_count
    torch._dynamo.reset()


# --- Graph mode ---------------------------------------------------------------------------------


@needs_cuda
@pytest.mark.parametrize("name", list(LAYERS))
def test_a_replayed_lone_call_gives_the_eager_result_on_refilled_inputs(name):
    from fa_versus.graph_capture import CapturedCall

    q, k, v = (torch.randn(2, 50, 16, 16, device="cuda", dtype=torch.float16) for _ in range(3))
    captured = CapturedCall(lambda: LAYERS[name](q, k, v))
    for seed in (1, 2):
        g = torch.Generator(device="cuda").manual_seed(seed)
        for t in (q, k, v):
            t.normal_(generator=g)  # in place: the captured addresses
        captured.replay()
        torch.cuda.synchronize()
        assert torch.equal(captured.output, LAYERS[name](q, k, v)), (name, seed)
    captured.release()


@needs_cuda
def test_a_replayed_model_forward_gives_the_eager_result():
    from fa_versus.graph_capture import CapturedCall

    for name, model in models("cuda", embed=256, heads=16, layers=4).items():
        x = random_x("cuda", batch=4, seqlen=50, embed=256)
        with torch.no_grad():
            captured = CapturedCall(lambda model=model: model(x))
            x.copy_(random_x("cuda", batch=4, seqlen=50, embed=256, seed=9))
            captured.replay()
            torch.cuda.synchronize()
            # A few fp16 ulps of room (cuBLAS may pick another algorithm on the capture stream);
            # stale inputs would miss by O(1).
            torch.testing.assert_close(captured.output, model(x), atol=1e-2, rtol=1e-2,
                                       msg=name)
        captured.release()


# --- py-sweep's report --------------------------------------------------------------------------


def py_sweep(tmp_path, *flags):
    out = tmp_path / "py.json"
    command = [sys.executable, str(REPO / "scripts" / "py-sweep.py"), "--config",
               str(REPO / "configs" / "smoke.json"), "--iterations", "3", "--repetitions", "2",
               "--prime-min-s", "0.05", "--prime-max-s", "0.5", "--phase-samples", "0",
               "--out", str(out), *flags]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    rows = [row for row in report["benchmarks"] if row.get("run_type") == "iteration"]
    return report["context"], rows, result.stdout


def test_py_sweep_reports_the_prime_and_the_first_case_against_its_rerun(tmp_path):
    context, rows, stdout = py_sweep(tmp_path, "--device", "cpu")
    check = context["warmup_check"]
    prime = check["prime"]
    assert prime["shape"] == "b:2/s:50/h:4/d:16" and prime["rounds"] >= 1
    assert isinstance(prime["steady"], bool) and prime["seconds"] >= 0.05
    assert set(prime["round_median_e2e_us"]) == {"py-v2.6.3/eager", "py-v2.7.0/eager"}
    first = check["first_case"]
    assert first["shape"] == "b:2/s:50/h:4/d:16"
    for label in ("py-v2.6.3/eager", "py-v2.7.0/eager"):
        record = first["entries"][label]
        assert record["first_e2e_us"] > 0 and record["rerun_e2e_us"] > 0
        assert record["e2e_ratio"] > 0 and isinstance(record["flagged"], bool)
    assert "first case vs re-run at b:2/s:50/h:4/d:16" in stdout
    # The re-run is context only: every case keeps its 2 repetition rows.
    names = [row["run_name"] for row in rows]
    assert len(names) == 2 * 2 * 2 and len(set(names)) == 4


def test_py_sweep_model_workload_rows(tmp_path):
    context, rows, _ = py_sweep(tmp_path, "--device", "cpu", "--workload", "model",
                                "--model-layers", "2")
    assert context["workload"]["name"] == "model" and context["workload"]["model"]["layers"] == 2
    names = {row["run_name"].split("/manual_time")[0] for row in rows}
    assert names == {f"fwd/py-model-v2.{r}/b:{b}/s:50/h:4/d:16/fp16/eager"
                     for r in ("6.3", "7.0") for b in (2, 4)}
    for row in rows:
        assert row["e2e_us"] > 0 and "tflops" not in row


@needs_cuda
def test_py_sweep_graph_mode_rows_on_the_gpu(tmp_path):
    context, rows, _ = py_sweep(tmp_path, "--device", "cuda", "--mode", "both",
                                "--filter", "b:2/")
    assert context["mode"] == "eager,graph"
    by_name = {}
    for row in rows:
        by_name.setdefault(row["run_name"].split("/manual_time")[0], []).append(row)
    for variant in ("py-v2.6.3", "py-v2.7.0"):
        for mode in ("eager", "graph"):
            name = f"fwd/{variant}/b:2/s:50/h:4/d:16/fp16/{mode}"
            assert len(by_name[name]) == 2, name
            for row in by_name[name]:
                assert row["kernel_us"] > 0 and row["e2e_us"] > 0, name
        graph = f"fwd/{variant}/b:2/s:50/h:4/d:16/fp16/graph"
        assert context["first_calls"][graph]["what"] == "capture", graph
