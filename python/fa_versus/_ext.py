"""Finds and loads the compiled extension fa_versus_ext.

CMake puts it in <build>/python (python/CMakeLists.txt). It is looked up, in order:
  1. in $FA_VERSUS_EXT_DIR (tests and scripts set it);
  2. on sys.path, as a plain `import fa_versus_ext`;
  3. in <repo>/build-gpu/python and <repo>/build/python.
torch is imported first: the extension links the libtorch that torch loads.
"""

import importlib
import os
import sys
from pathlib import Path

import torch  # noqa: F401  (loads libtorch before the extension that links it)

_MODULE = "fa_versus_ext"
_REPO = Path(__file__).resolve().parents[2]


class ExtensionNotFound(ImportError):
    """fa_versus_ext could not be imported; the message says where it was looked for."""


def _import_from(directory):
    directory = str(directory)
    sys.path.insert(0, directory)
    try:
        return importlib.import_module(_MODULE)
    finally:
        sys.path.remove(directory)


def load_extension():
    """Returns the fa_versus_ext module, or raises ExtensionNotFound saying how to build it."""
    if _MODULE in sys.modules:
        return sys.modules[_MODULE]
    tried = []
    env_dir = os.environ.get("FA_VERSUS_EXT_DIR")
    if env_dir:
        try:
            return _import_from(env_dir)
        except ImportError as error:
            # An explicit directory that does not work is an error, not a reason to look on.
            raise ExtensionNotFound(
                f"{_MODULE}: cannot import it from FA_VERSUS_EXT_DIR={env_dir}: {error}"
            ) from error
    try:
        return importlib.import_module(_MODULE)
    except ImportError as error:
        tried.append(f"sys.path ({error})")
    for build in ("build-gpu", "build"):
        directory = _REPO / build / "python"
        if any(directory.glob(f"{_MODULE}*.so")):
            try:
                return _import_from(directory)
            except ImportError as error:
                tried.append(f"{directory} ({error})")
        else:
            tried.append(f"{directory} (no {_MODULE}*.so)")
    raise ExtensionNotFound(
        f"{_MODULE} not found; looked in: {'; '.join(tried)}. Build it with "
        f"`cmake --build <build> --target {_MODULE}` (it needs Python torch >= 2.4 that is the "
        f"build's LibTorch) and set FA_VERSUS_EXT_DIR=<build>/python"
    )
