"""Phase ranges of the Python layers, in the same recorder and timeline as the C++ ones.

Each layer marks its phases (kernels/common/nvtx.h's kPhaseTable, names `py/<release>/...`) with
the extension's phase_push/phase_pop, i.e. through fa_kernels' NVTX instance: the C++ entry's
ranges below (v2.6.3/mha_fwd, v2.7.0/mha_fwd and theirs) nest inside them, in the phase recorder
and in Nsight Systems alike (python/ext/phase_bindings.cpp).

Cheap when not recording: a layer reads the module-level flag `on` once per function and skips
every push and pop when it is False (the default). record_means() sets it for a phase pass only.
torch.compile'd callers must not be recorded: a compiled graph has no ranges, and the flag is a
guard that would recompile it.
"""

from ._ext import load_extension

_ext = load_extension()

on = False  # True only inside record_means(): the layers push their ranges

push = _ext.phase_push
pop = _ext.phase_pop
_IDS = _ext.phase_ids()

# Attach now, before any call of a dispatch path (the recorder must come first). Attached but not
# recording, NVTX takes its no-tool branch, so this costs the timed calls nothing. Under Nsight
# Systems (NVTX_INJECTION64_PATH) it stays detached and the profiler gets every range.
ATTACHED, STATE = _ext.phase_recorder_attach()


def _id(name):
    return _IDS[name]


V263_FLASH_ATTN_FUNC = _id("py/v2.6.3/flash_attn_func")
V263_AUTOGRAD_FUNCTION = _id("py/v2.6.3/autograd_function")
V263_FORWARD = _id("py/v2.6.3/forward")
V263_PRECHECKS = _id("py/v2.6.3/prechecks")
V263_CPP_CALL = _id("py/v2.6.3/cpp_call")

V270_FLASH_ATTN_FUNC = _id("py/v2.7.0/flash_attn_func")
V270_AUTOGRAD_FUNCTION = _id("py/v2.7.0/autograd_function")
V270_FORWARD = _id("py/v2.7.0/forward")
V270_PRECHECKS = _id("py/v2.7.0/prechecks")
V270_PAD = _id("py/v2.7.0/pad")
V270_CUSTOM_OP = _id("py/v2.7.0/custom_op")
V270_OP_BODY = _id("py/v2.7.0/op_body")
V270_CPP_CALL = _id("py/v2.7.0/cpp_call")
V270_SLICE = _id("py/v2.7.0/slice")


def record_means(call, calls, after_call=None):
    """`calls` recorded calls of call() (after_call() outside each recording, e.g. synchronize
    and drop the output). Returns {range name: mean exclusive microseconds per call}, with
    "unattributed" = mean host time around call() outside every phase. Raises RuntimeError when
    the recorder is not attached (STATE says why) or the ranges nest other than declared."""
    global on
    if not ATTACHED:
        raise RuntimeError(f"phase recorder: {STATE}")
    on = True
    try:
        means = _ext.phase_record_means(call, calls, after_call)
    finally:
        on = False
    return dict(means)
