#!/usr/bin/env python3
"""py-compile-diagnose: where the host microseconds of the 2.7.0 layer under torch.compile go, at
one shape (issue 14.3: reduce-overhead at (2, 50) measured 99-113 us e2e, 85-98 us host, against
35 us for eager py-v2.6.3, although its graph was recorded as one cudagraphable partition).

Each condition is the lone call flash_attn_func(q, k, v, causal=False) made one way (as py-sweep
calls it); all conditions run in the
same process, interleaved in a fresh random order every round, each with its own warm-up and
timed loop (e2e = call + synchronize, host = call only, as py-sweep measures):

  eager-v2.6.3, eager-v2.7.0   the layers, no compile (references)
  graph-v2.6.3, graph-v2.7.0   one eager call captured into torch.cuda.CUDAGraph, replays timed
                               (the floor: no host code of the call at all)
  compile-default              torch.compile(fullgraph=True, dynamic=False): py-sweep's compile
                               variant with --compile-mode default
  ro                           mode="reduce-overhead", called as py-sweep calls it (the same
                               ordinary q, k, v tensors every call, grad mode on)
  ro-rotating                  the same compiled function, a new (preallocated) q, k, v every call,
                               as fresh activations would be
  ro-mark-step                 the same, torch.compiler.cudagraph_mark_step_begin() before each call
  ro-static                    its own compiled copy; q, k, v marked with
                               torch._dynamo.mark_static_address: the CUDA graph reads them in
                               place instead of copying them in every call
  ro-no-grad                   its own compiled copy, compiled and called under torch.no_grad()
  ro-static-no-grad-mark-step  all three together: what a careful inference user writes

With --conditions model, the same for the model forward (fa_versus.encoder, 4 layers, x of shape
(batch, seqlen, heads * head_dim), eval, under torch.no_grad(), as py-sweep --workload model runs
it): model-eager-v2.6.3, model-eager-v2.7.0, model-graph-v2.7.0 (one forward captured),
model-default-v2.7.0, model-ro-v2.7.0 and model-ro-v2.6.3 (torch.compile(model, fullgraph=False);
2.6.3's layer breaks the graph around each attention call), each its own encoder instance.

Every compiled condition gets its own copy of the function's code object, so each has its own
dynamo cache (no condition reuses another's graph). Around every timed loop the torch._dynamo
counters and the CUDA-graph tree's state are read: a recompile, a re-recording or a fallback
inside the timed loop shows as a nonzero delta. The rounds run twice, before and after the
torch.profiler sessions, to see whether a profiler session leaves overhead behind. Then per
condition a torch.profiler CPU+CUDA profile (operators) and one with Python function events
(with_stack=True): key_averages tables by self CPU time, and chrome traces of the lone call's
reduce-overhead conditions. TORCH_LOGS-style logs (recompiles, graph_breaks, cudagraphs) are on
for the first calls and for one logged (untimed) pass per compiled condition, off while timing.

Writes into --out-dir: diagnose.json (every number, typed), diagnose.txt (the tables),
profile-<condition>.txt, trace-<condition>.json.gz. A condition whose set-up or first calls raise
is dropped (diagnose.json's failed_conditions says why; exit status 1) and the others still run.
Needs a CUDA GPU and fa_versus_ext (FA_VERSUS_EXT_DIR). See docs/python-layer.md.
"""

import argparse
import contextlib
import gc
import gzip
import inspect
import json
import os
import random
import shutil
import statistics
import sys
import time
import types
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "python"))

from fa_versus import sweep_plan  # noqa: E402  (torch-free)

CONDITIONS = ("eager-v2.6.3", "eager-v2.7.0", "graph-v2.6.3", "graph-v2.7.0", "compile-default",
              "ro", "ro-rotating", "ro-mark-step", "ro-static", "ro-no-grad",
              "ro-static-no-grad-mark-step")
# The model forward (fa_versus.encoder, as py-sweep --workload model runs it: x of shape
# (batch, seqlen, heads * head_dim), eval, no grad): where its reduce-overhead time goes.
MODEL_CONDITIONS = ("model-eager-v2.6.3", "model-eager-v2.7.0", "model-graph-v2.7.0",
                    "model-default-v2.7.0", "model-ro-v2.7.0", "model-ro-v2.6.3")
TRACED = ("eager-v2.7.0", "compile-default", "ro", "ro-static-no-grad-mark-step",
          "model-ro-v2.7.0")
ROTATING_INPUTS = 8


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="py-compile-diagnose", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out-dir", required=True, help="directory for the results")
    parser.add_argument("--shape", default="2,50,16,16", help="batch,seqlen,heads,head_dim")
    parser.add_argument("--calls", type=int, default=2000, help="timed calls per loop")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds per phase")
    parser.add_argument("--profile-calls", type=int, default=200, help="calls per profile")
    parser.add_argument("--conditions", default=",".join(CONDITIONS),
                        help="comma-separated subset of the conditions, or 'model' for the "
                        f"model forward's ({', '.join(MODEL_CONDITIONS)})")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def set_logs(torch, on):
    """recompiles, graph_breaks, cudagraphs (and cudagraph_static_inputs where this torch has
    it) on or back to the defaults; a no-op where TORCH_LOGS is set (it takes precedence)."""
    wanted = ("recompiles", "graph_breaks", "cudagraphs", "cudagraph_static_inputs")
    if not on:
        torch._logging.set_logs()
        return
    parameters = inspect.signature(torch._logging.set_logs).parameters
    torch._logging.set_logs(**{name: True for name in wanted if name in parameters})


def dynamo_counters():
    utils = sys.modules.get("torch._dynamo.utils")
    if utils is None or not hasattr(utils, "counters"):
        return {}
    return {str(g): {str(n): int(c) for n, c in counts.items()}
            for g, counts in utils.counters.items()}


def tree_state(torch):
    """The CUDA-graph tree manager's bookkeeping on this device ({} when there is none)."""
    try:
        from torch._inductor import cudagraph_trees

        manager = cudagraph_trees.get_manager(torch.cuda.current_device(), False)
    except Exception as error:  # noqa: BLE001: private API; say what happened instead
        return {"error": f"{type(error).__name__}: {error}"}
    if manager is None:
        return {}
    state = {}
    for name in ("debug_fail_counter", "debug_checkpointing_counter"):
        if hasattr(manager, name):
            state[name] = int(getattr(manager, name))
    roots = getattr(manager, "roots", None) or {}
    try:
        nodes = [node for nodes in roots.values() for node in nodes]
        state["root_nodes"] = len(nodes)
        state["nodes"] = len(nodes) + sum(node.num_descendants() for node in nodes)
    except Exception as error:  # noqa: BLE001
        state["nodes_error"] = f"{type(error).__name__}: {error}"
    warmed = getattr(manager, "warmed_up_functions", None)
    if warmed is not None:
        state["warmed_up_functions"] = len(warmed)
    # WARMUP after a timed loop would mean the calls ran eagerly through the tree's warm-up
    # path (never replaying); EXECUTION, that they replayed.
    path_state = getattr(manager, "path_state", None)
    if path_state is not None:
        state["path_state"] = getattr(path_state, "name", str(path_state))
    return state


def state_delta(before, after):
    return {key: after[key] - before.get(key, 0) for key in after
            if isinstance(after[key], int) and after[key] != before.get(key, 0)}


def own_copy(fn, tag):
    """fn with a code object of its own: torch.compile of it has its own dynamo cache."""
    code = fn.__code__.replace(co_name=f"{fn.__name__}_{tag.replace('-', '_')}")
    return types.FunctionType(code, fn.__globals__, code.co_name, fn.__defaults__,
                              fn.__closure__)


class Condition:
    """A name, call() (one lone call), and the context its loops run in."""

    def __init__(self, name, call, context=contextlib.nullcontext, compiled=False):
        self.name, self.call, self.context, self.compiled = name, call, context, compiled


def build_conditions(torch, names, shape, seed, failed):
    """{name: Condition}; a condition whose set-up raises goes into `failed` instead."""
    from fa_versus import v2_6_3, v2_7_0
    from fa_versus.graph_capture import CapturedCall

    generator = torch.Generator(device="cuda").manual_seed(seed)

    def qkv():
        return [torch.randn(*shape, device="cuda", dtype=torch.float16, generator=generator)
                for _ in range(3)]

    q, k, v = qkv()
    rotating = [qkv() for _ in range(ROTATING_INPUTS)]
    no_grad = torch.no_grad

    def compiled(tag, mode):
        return torch.compile(own_copy(v2_7_0.flash_attn_func, tag), fullgraph=True,
                             dynamic=False, mode=None if mode == "default" else mode)

    conditions = {}
    ro = None
    for name in names:
        try:
            if name.startswith("model-"):
                conditions[name] = model_condition(torch, name, shape, seed)
            elif name == "eager-v2.6.3":
                conditions[name] = Condition(
                    name, lambda: v2_6_3.flash_attn_func(q, k, v, causal=False))
            elif name == "eager-v2.7.0":
                conditions[name] = Condition(
                    name, lambda: v2_7_0.flash_attn_func(q, k, v, causal=False))
            elif name.startswith("graph-"):
                layer = v2_6_3 if name.endswith("2.6.3") else v2_7_0
                captured = CapturedCall(
                    lambda layer=layer: layer.flash_attn_func(q, k, v, causal=False))
                conditions[name] = Condition(name, captured.replay)
            elif name == "compile-default":
                fn = compiled(name, "default")
                conditions[name] = Condition(name, lambda fn=fn: fn(q, k, v, causal=False),
                                             compiled=True)
            elif name in ("ro", "ro-rotating", "ro-mark-step"):
                if ro is None:
                    ro = compiled("ro", "reduce-overhead")
                if name == "ro":
                    call = lambda: ro(q, k, v, causal=False)  # noqa: E731
                elif name == "ro-rotating":
                    cycle = {"i": 0}

                    def call():
                        cycle["i"] = (cycle["i"] + 1) % ROTATING_INPUTS
                        return ro(*rotating[cycle["i"]], causal=False)
                else:
                    mark = torch.compiler.cudagraph_mark_step_begin

                    def call():
                        mark()
                        return ro(q, k, v, causal=False)
                conditions[name] = Condition(name, call, compiled=True)
            else:  # ro-static, ro-no-grad, ro-static-no-grad-mark-step: own copies, own inputs
                fn = compiled(name, "reduce-overhead")
                inputs = qkv()
                if "static" in name:
                    for tensor in inputs:
                        try:
                            torch._dynamo.mark_static_address(tensor, guard=False)
                        except TypeError:
                            torch._dynamo.mark_static_address(tensor)
                context = no_grad if "no-grad" in name else contextlib.nullcontext
                if "mark-step" in name:
                    mark = torch.compiler.cudagraph_mark_step_begin

                    def call(fn=fn, inputs=inputs, mark=mark):
                        mark()
                        return fn(*inputs, causal=False)
                else:
                    call = (lambda fn=fn, inputs=inputs: fn(*inputs, causal=False))
                conditions[name] = Condition(name, call, context, compiled=True)
        except Exception as error:  # noqa: BLE001: the other conditions still run
            failed[name] = f"setup: {type(error).__name__}: {error}"
            print(f"[diagnose] {name} dropped: {failed[name]}", file=sys.stderr)
    return conditions


def model_condition(torch, name, shape, seed):
    """model-<eager|graph|default|ro>-<layer>: one forward of a fresh encoder (own weights from
    the seed, own dynamo cache entry) through that layer, under torch.no_grad()."""
    import importlib

    from fa_versus import encoder
    from fa_versus.graph_capture import CapturedCall

    _, how, version = name.split("-", 2)
    batch, seqlen, heads, head_dim = shape
    layer = importlib.import_module(f"fa_versus.{version.replace('.', '_')}")
    model = encoder.build_encoder(layer.flash_attn_func, embed=heads * head_dim, heads=heads,
                                  device="cuda", dtype=torch.float16, seed=seed)
    x = torch.randn(batch, seqlen, heads * head_dim, device="cuda", dtype=torch.float16,
                    generator=torch.Generator(device="cuda").manual_seed(seed))
    if how == "graph":
        with torch.no_grad():
            captured = CapturedCall(lambda: model(x))
        return Condition(name, captured.replay, torch.no_grad)
    if how in ("default", "ro"):
        model = torch.compile(model, fullgraph=False, dynamic=False,
                              mode=None if how == "default" else "reduce-overhead")
    return Condition(name, lambda: model(x), torch.no_grad, compiled=how != "eager")


def timed_loop(torch, condition, calls):
    sync = torch.cuda.synchronize
    perf = time.perf_counter
    call = condition.call
    e2e, host = [0.0] * calls, [0.0] * calls
    gc.collect()
    gc.disable()
    try:
        for i in range(calls):
            start = perf()
            out = call()
            returned = perf()
            sync()
            done = perf()
            del out
            host[i], e2e[i] = returned - start, done - start
    finally:
        gc.enable()
    return statistics.median(e2e) * 1e6, statistics.median(host) * 1e6


def run_rounds(torch, conditions, args, rng, phase):
    """{condition: {"e2e_us": [per round], "host_us": [...], "dynamo": delta, "tree": delta}}."""
    results = {name: {"e2e_us": [], "host_us": [], "dynamo": {}, "tree": {}, "path_state": []}
               for name in conditions}
    for _ in range(args.rounds):
        order = list(conditions)
        rng.shuffle(order)
        for name in order:
            condition = conditions[name]
            with condition.context():
                for _ in range(50):
                    condition.call()
                torch.cuda.synchronize()
                counters, tree = dynamo_counters(), tree_state(torch)
                e2e, host = timed_loop(torch, condition, args.calls)
                dynamo = sweep_plan.counter_delta(counters, dynamo_counters())
                tree_after = tree_state(torch)
                tree_change = state_delta(tree, tree_after)
            record = results[name]
            if condition.compiled and "path_state" in tree_after:
                record["path_state"].append(tree_after["path_state"])
            record["e2e_us"].append(round(e2e, 3))
            record["host_us"].append(round(host, 3))
            for group, counts in dynamo.items():
                merged = record["dynamo"].setdefault(group, {})
                for key, count in counts.items():
                    merged[key] = merged.get(key, 0) + count
            for key, count in tree_change.items():
                record["tree"][key] = record["tree"].get(key, 0) + count
    print(f"[diagnose] rounds {phase} done", file=sys.stderr)
    return results


def profile(torch, condition, calls, out_dir, with_stack):
    activities = [torch.profiler.ProfilerActivity.CPU, torch.profiler.ProfilerActivity.CUDA]
    with condition.context():
        with torch.profiler.profile(activities=activities, with_stack=with_stack) as prof:
            for _ in range(calls):
                out = condition.call()
                torch.cuda.synchronize()
                del out
    kind = "python" if with_stack else "ops"
    table = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=60,
                                      max_name_column_width=90)
    if with_stack and condition.name in TRACED:
        raw = out_dir / f"trace-{condition.name}.json"
        prof.export_chrome_trace(str(raw))
        with open(raw, "rb") as source, gzip.open(f"{raw}.gz", "wb") as target:
            shutil.copyfileobj(source, target)
        raw.unlink()
    return f"== {condition.name}: {calls} calls, {kind} (self CPU time; per call = total / " \
           f"{calls})\n{table}\n"


def summary_lines(before, after, calls):
    lines = [f"{'condition':30} {'e2e us':>9} {'host us':>9} {'e2e after prof':>15} "
             f"{'host after prof':>16}  dynamo / cudagraph-tree changes while timed"]
    for name in before:
        b, a = before[name], after.get(name, {"e2e_us": [], "host_us": []})

        def med(values):
            return f"{statistics.median(values):.2f}" if values else "-"

        changes = {**b["dynamo"], **({"tree": b["tree"]} if b["tree"] else {})}
        if b["path_state"]:
            changes["tree_state_after_loops"] = sorted(set(b["path_state"]))
        lines.append(f"{name:30} {med(b['e2e_us']):>9} {med(b['host_us']):>9} "
                     f"{med(a['e2e_us']):>15} {med(a['host_us']):>16}  "
                     f"{json.dumps(changes) if changes else 'none'}")
    lines.append(f"(medians over rounds of the per-loop medians of {calls} calls)")
    return lines


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    import torch

    if not torch.cuda.is_available():
        print("py-compile-diagnose: needs a CUDA GPU", file=sys.stderr)
        return 2
    names = [n.strip() for n in args.conditions.split(",") if n.strip()]
    if names == ["model"]:
        names = list(MODEL_CONDITIONS)
    unknown = [n for n in names if n not in CONDITIONS + MODEL_CONDITIONS]
    if unknown:
        print(f"py-compile-diagnose: --conditions: unknown {unknown} (known: "
              f"{', '.join(CONDITIONS + MODEL_CONDITIONS)}, or model)", file=sys.stderr)
        return 2
    shape = tuple(int(x) for x in args.shape.split(","))
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    from fa_versus import sweep_workloads

    sweep_workloads.raise_recompile_limits(len(CONDITIONS + MODEL_CONDITIONS))
    rng = random.Random(args.seed)

    set_logs(torch, True)
    first_calls = {}
    failed = {}  # condition -> why it was dropped (the report still covers the others)
    conditions = build_conditions(torch, names, shape, args.seed, failed)
    for name, condition in list(conditions.items()):  # compile, warm up and record, logged
        try:
            with condition.context():
                before = dynamo_counters()
                start = time.perf_counter()
                for _ in range(5):
                    condition.call()
                torch.cuda.synchronize()
                first_calls[name] = {"seconds_5_calls": round(time.perf_counter() - start, 3),
                                     "dynamo": sweep_plan.counter_delta(before, dynamo_counters())}
                if condition.compiled:  # the logged (untimed) pass
                    for _ in range(200):
                        condition.call()
                    torch.cuda.synchronize()
        except Exception as error:  # noqa: BLE001: the other conditions still run
            failed[name] = f"first calls: {type(error).__name__}: {error}"
            print(f"[diagnose] {name} dropped: {failed[name]}", file=sys.stderr)
            del conditions[name]
    print("[diagnose] first calls and the logged pass (200 calls per compiled condition) done",
          file=sys.stderr)
    set_logs(torch, False)
    if not conditions:
        print(f"py-compile-diagnose: every condition failed: {failed}", file=sys.stderr)
        return 1

    before_profiler = run_rounds(torch, conditions, args, rng, "before the profiler")
    tables = []
    for condition in conditions.values():
        for with_stack in (False, True):
            try:
                tables.append(profile(torch, condition, args.profile_calls, out_dir, with_stack))
            except Exception as error:  # noqa: BLE001: a table lost, not the run
                tables.append(f"== {condition.name}: profile (with_stack={with_stack}) failed: "
                              f"{type(error).__name__}: {error}\n")
        (out_dir / f"profile-{condition.name}.txt").write_text("".join(tables[-2:]))
    after_profiler = run_rounds(torch, conditions, args, rng, "after the profiler")

    report = {
        "tool": "py-compile-diagnose",
        "torch_version": torch.__version__,
        "gpu_name": torch.cuda.get_device_name(),
        "shape": {"batch": shape[0], "seqlen": shape[1], "heads": shape[2], "head_dim": shape[3]},
        "calls_per_loop": args.calls,
        "rounds": args.rounds,
        "command_line": " ".join([sys.executable] + sys.argv),
        "torch_logs_env": os.environ.get("TORCH_LOGS", ""),
        "first_calls": first_calls,
        "failed_conditions": failed,
        "before_profiler": before_profiler,
        "after_profiler": after_profiler,
        "tree_state_at_end": tree_state(torch),
    }
    (out_dir / "diagnose.json").write_text(json.dumps(report, indent=1) + "\n")
    text = "\n".join(summary_lines(before_profiler, after_profiler, args.calls)
                     + [f"{name:30} FAILED: {why}" for name, why in failed.items()])
    (out_dir / "diagnose.txt").write_text(text + "\n")
    print(text)
    print(f"py-compile-diagnose: results in {out_dir}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
