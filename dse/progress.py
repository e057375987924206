"""Progress of long runs: a silent default and a rich progress bar for the command line."""

from __future__ import annotations

import time
from typing import Any


class Progress:
    """Receives progress. The default shows nothing (library use, tests)."""

    def start(self, total: int, done: int) -> None:
        """``total`` trials or points in the run, ``done`` of them finished before this start."""

    def advance(self, count: int, front_size: int) -> None:
        """``count`` more finished; the merged front has ``front_size`` designs (0: not tracked)."""

    def stop(self, failed: bool = False) -> None:
        """The run ended (``failed``: by an error, which is then the only thing to show)."""


class RichProgress(Progress):
    """A rich bar on stderr: done / total, rate per second of this run, front size."""

    def __init__(self, what: str, unit: str, show_front: bool = True) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as Bar

        columns: list[Any] = [TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                              TextColumn(f"{{task.fields[rate]:>8.1f}} {unit}/s")]
        if show_front:
            columns.append(TextColumn("front {task.fields[front]}"))
        columns.append(TimeElapsedColumn())
        self._bar = Bar(*columns, console=Console(stderr=True), transient=False)
        self._what = what
        self._task: Any = None
        self._begin = 0.0
        self._count = 0

    def start(self, total: int, done: int) -> None:
        self._bar.start()
        self._task = self._bar.add_task(self._what, total=total, completed=min(done, total), rate=0.0, front=0)
        self._begin = time.perf_counter()

    def advance(self, count: int, front_size: int) -> None:
        self._count += count
        rate = self._count / max(time.perf_counter() - self._begin, 1e-9)
        self._bar.update(self._task, advance=count, rate=rate, front=front_size)

    def stop(self, failed: bool = False) -> None:
        if self._task is not None:
            if failed:  # the bar goes; the error line that follows stays alone on stderr
                self._bar.live.transient = True
                console = self._bar.live.console
                console.quiet = not console.is_terminal
            self._bar.stop()
