"""Files written whole or not at all: a temporary file in the target directory, then a rename.

A reader never sees half a file, and a failed write leaves any earlier file as it was.
"""

from __future__ import annotations

import errno
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl


def _umask_mode() -> int:
    """The mode a plain ``open()`` would give a new file (0666 minus the umask)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def output_directory(out: str | Path, option: str = "--out") -> Path:
    """The directory a command writes its files into, created if missing (parents too).

    For commands, built-in or a plugin's, that take a directory: a path that is a file, or one
    that cannot be created, is a :class:`~dse.errors.DseInputError` naming ``option`` and what
    is wrong, so the user sees one line and exit code 2, and nothing has been written yet.
    """
    from dse.errors import DseInputError

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise DseInputError(f"{out}: {option} is a file; give a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DseInputError(f"{out}: {error.strerror}") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise DseInputError(f"{out}: {os.strerror(errno.EACCES)}")
    return out


def write_parquet_atomic(
    frame: pl.DataFrame | pl.LazyFrame, path: str | Path, metadata: Mapping[str, str] | None = None
) -> Path:
    """Write ``frame`` to ``path`` via a temporary file in the same directory and a rename.

    A lazy frame is streamed (``sink_parquet``, row order kept): a table larger than memory
    is written a batch at a time."""
    import polars as pl  # loaded already by whoever made ``frame``

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        if isinstance(frame, pl.LazyFrame):
            frame.sink_parquet(tmp, metadata=dict(metadata or {}))
        else:
            frame.write_parquet(tmp, metadata=dict(metadata or {}))
        os.chmod(tmp, _umask_mode())  # mkstemp makes 0600; results are for others to read too
        os.replace(tmp, path)
    except BaseException as error:
        Path(tmp).unlink(missing_ok=True)
        converted = _as_os_error(error, path)
        if converted is error:
            raise
        raise converted from error
    return path


def _as_os_error(error: BaseException, path: Path) -> BaseException:
    """A failed write as an OSError naming ``path`` (not the temporary file); polars reports
    a system error as a ComputeError ending in ``(os error 28)``, so that is read too."""
    number = error.errno if isinstance(error, OSError) else None
    if number is None:
        found = re.search(r"\(os error (\d+)\)", str(error))
        number = int(found.group(1)) if found else None
    if number is None:
        return error
    return OSError(number, os.strerror(number), str(path))


def write_bytes_atomic(data: bytes, path: str | Path) -> Path:
    """Write any file (plots, HTML) atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, _umask_mode())
        os.replace(tmp, path)
    except BaseException as error:
        Path(tmp).unlink(missing_ok=True)
        converted = _as_os_error(error, path)
        if converted is error:
            raise
        raise converted from error
    return path
