"""The one loader of the modules under test, for every test module of tests/python: imports torch
and the named fa_versus modules, or skips the calling module with the reason (fails it instead
where FA_VERSUS_REQUIRE_EXT=1, as ctest sets it where CMake built the extension)."""

import importlib
import os

import pytest


def load_layers(*module_names):
    """(torch, [the fa_versus modules named], the loaded extension)."""
    required = os.environ.get("FA_VERSUS_REQUIRE_EXT") == "1"

    def give_up(reason):
        if required:
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason, allow_module_level=True)

    try:
        import torch
    except ImportError as error:
        give_up(f"Python torch is not installed ({error})")
    version = tuple(int(p) for p in torch.__version__.split("+")[0].split(".")[:2])
    if version < (2, 4):
        give_up(f"torch {torch.__version__} is older than 2.4 (torch.library.custom_op)")
    try:
        ext_module = importlib.import_module("fa_versus._ext")
        modules = [importlib.import_module(f"fa_versus.{name}") for name in module_names]
    except ImportError as error:
        give_up(f"fa_versus_ext is not built or not importable: {error}")
    return torch, modules, ext_module.load_extension()


def cuda_marks(torch, ext):
    """(needs_cuda, devices): a skip mark with the reason where there is no CUDA GPU or fa_kernels
    was built without CUDA, and the device list ["cpu", "cuda" under that mark] to parametrize."""
    if not torch.cuda.is_available():
        reason = "no CUDA GPU"
    elif not ext.with_cuda:
        reason = "fa_kernels was built without CUDA"
    else:
        reason = ""
    needs_cuda = pytest.mark.skipif(bool(reason), reason=reason or "-")
    return needs_cuda, ["cpu", pytest.param("cuda", marks=needs_cuda)]
