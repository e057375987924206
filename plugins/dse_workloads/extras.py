"""Optional packages: imported where used, with a one-line error naming the extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType

from dse import DseInputError, install_hint


def require(module: str, ref: str) -> ModuleType:
    """Import ``module`` (onnx, nir, h5py) or raise DseInputError naming the ``formats`` extra."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise DseInputError(
            f"{ref}: reading this file needs the '{module}' package: {install_hint('formats')}"
        ) from None
