"""Reading a report page back: its tables (cell text and exact values), plots and links.

Works on the file as written and on the DOM headless Chromium dumps after rendering it.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest


@dataclass
class Cell:
    text: str
    value: float | None  # data-value of a numeric cell


@dataclass
class Page:
    tables: dict[str, list[list[Cell]]] = field(default_factory=dict)  # id → body and footer rows
    headers: dict[str, list[str]] = field(default_factory=dict)
    classes: dict[str, str] = field(default_factory=dict)  # table id → class
    svgs: list[str] = field(default_factory=list)  # id of the figure around each <svg>
    images: int = 0
    links: list[str] = field(default_factory=list)  # every src and href value
    text: str = ""

    def column(self, table: str, name: str) -> list[Cell]:
        index = self.headers[table].index(name)
        return [row[index] for row in self.tables[table]]

    def row(self, table: str, first: str) -> list[Cell]:
        """The row of ``table`` whose first cell reads ``first``."""
        return next(row for row in self.tables[table] if row[0].text == first)

    def values(self, table: str, first: str) -> dict[str, float | None]:
        """{header: exact value} of that row."""
        return dict(zip(self.headers[table], (c.value for c in self.row(table, first)), strict=True))


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._table: str | None = None
        self._row: list[Cell] | None = None
        self._cell: list[str] | None = None
        self._value: float | None = None
        self._header = False
        self._figure = ""
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.page.links += [v or "" for k, v in attrs if k in ("src", "href", "xlink:href")]
        if tag == "figure":
            self._figure = a.get("id") or ""
        elif tag == "svg":
            self.page.svgs.append(self._figure)
        elif tag == "img":
            self.page.images += 1
        elif tag == "table":
            self._table = a.get("id") or f"table-{len(self.page.tables)}"
            self.page.tables[self._table] = []
            self.page.headers[self._table] = []
            self.page.classes[self._table] = a.get("class") or ""
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell, self._header = [], tag == "th"
            self._value = float(a["data-value"]) if a.get("data-value") is not None else None

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(Cell("".join(self._cell).strip(), self._value))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            if self._header:
                self.page.headers[self._table] = [c.text for c in self._row]
            else:
                self.page.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        self._text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    def close(self) -> None:
        super().close()
        self.page.text = " ".join(self._text)


def read_page(html: str) -> Page:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.page


def chromium() -> str:
    """The Chromium binary, or skip the test (CI installs Debian's `chromium`)."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("no chromium binary on PATH (apt-get install chromium)")
    return path


def _headless(profile: Path) -> list[str]:
    return [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-extensions", f"--user-data-dir={profile}"]


def rendered_dom(page: Path, profile: Path) -> str:
    """The DOM Chromium builds from ``page`` (headless, offline profile)."""
    done = subprocess.run([*_headless(profile), "--dump-dom", page.resolve().as_uri()], capture_output=True,
                          text=True, timeout=120, check=True)
    return done.stdout


def screenshot(page: Path, profile: Path, out: Path) -> Path:
    subprocess.run([*_headless(profile), "--window-size=1280,1000", f"--screenshot={out}", page.resolve().as_uri()],
                   capture_output=True, timeout=120, check=True)
    return out
