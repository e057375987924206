"""HTML pieces of `dse report`: escaped text, tables, inline SVG figures and the page.

Everything the page needs is in the page: CSS in a ``<style>`` element, plots as inline SVG
(matplotlib's, cleaned of its XML prolog and namespace URLs, ids made unique per figure),
no scripts, fonts or images fetched from anywhere. Numeric table cells carry their exact
value in ``data-value`` (Python ``repr``), so that a reader or a test can take the numbers
back without parsing the rounded text.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

#: The page's style sheet (system fonts only: nothing is downloaded).
CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d1d1f;background:#fafafa}
header{background:#23395d;color:#fff;padding:1.2em 2em}
header h1{margin:0 0 .2em 0;font-size:1.5em}
header p{margin:0;opacity:.85}
nav{padding:.6em 2em;background:#e8ecf3;font-size:.9em}
nav a{margin-right:1.2em;color:#23395d}
main{padding:0 2em 2em 2em;max-width:1400px}
section{margin-top:2em}
h2{border-bottom:2px solid #23395d;padding-bottom:.2em}
h3{margin-bottom:.3em}
table{border-collapse:collapse;margin:.6em 0;font-size:.85em;background:#fff}
caption{text-align:left;font-weight:600;padding:.3em 0}
th,td{border:1px solid #ccd;padding:.25em .55em;vertical-align:top}
th{background:#eef1f6;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tfoot td{font-weight:600;background:#f4f6fa}
figure{margin:.8em 0}
figure svg{max-width:100%;height:auto;background:#fff}
figcaption{font-size:.85em;color:#555}
.note{background:#fff7e0;border-left:4px solid #e0a800;padding:.4em .8em;font-size:.9em}
pre{background:#fff;border:1px solid #ccd;padding:.6em;overflow-x:auto;font-size:.8em}
code{font-size:.9em}
"""

_PROLOG = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)
_NAMESPACES = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')
_ID = re.compile(r'\bid="([^"]+)"')
_REFERENCE = re.compile(r'(url\(#|href="#)([^)"]+)')


def esc(value: Any) -> str:
    """``value`` as HTML text."""
    return html.escape(str(value), quote=True)


def number_text(value: float) -> str:
    """A number as a table shows it: integers in full, reals to six significant digits."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if not math.isfinite(value):
        return str(value)
    return f"{value:.6g}"


def cell(value: Any) -> str:
    """One ``<td>``: numbers right-aligned with their exact value in ``data-value``."""
    if value is None:
        return "<td>–</td>"
    if isinstance(value, bool):
        return f"<td>{number_text(value)}</td>"
    if isinstance(value, (int, float)):
        return f'<td class="num" data-value="{value!r}">{number_text(value)}</td>'
    return f"<td>{esc(value)}</td>"


def table(columns: Sequence[str], rows: Iterable[Sequence[Any]], *, table_id: str | None = None,
          css_class: str | None = None, caption: str | None = None, foot: Sequence[Any] | None = None) -> str:
    """A table: header ``columns``, one ``<tr>`` per row, an optional footer row (totals)."""
    attrs = (f' id="{esc(table_id)}"' if table_id else "") + (f' class="{esc(css_class)}"' if css_class else "")
    parts = [f"<table{attrs}>"]
    if caption:
        parts.append(f"<caption>{esc(caption)}</caption>")
    parts.append("<thead><tr>" + "".join(f"<th>{esc(c)}</th>" for c in columns) + "</tr></thead><tbody>")
    parts += ["<tr>" + "".join(cell(v) for v in row) + "</tr>" for row in rows]
    parts.append("</tbody>")
    if foot is not None:
        parts.append("<tfoot><tr>" + "".join(cell(v) for v in foot) + "</tr></tfoot>")
    parts.append("</table>")
    return "".join(parts)


def inline_svg(svg: str, key: str) -> str:
    """Matplotlib's SVG ready to sit in an HTML page: no prolog, no namespace URLs (HTML gives
    inline ``<svg>`` its namespace), every id and reference prefixed with ``key``."""
    body = _NAMESPACES.sub("", _PROLOG.sub("", svg, count=1))
    body = _ID.sub(lambda m: f'id="{key}-{m.group(1)}"', body)
    return _REFERENCE.sub(lambda m: f"{m.group(1)}{key}-{m.group(2)}", body)


def figure(svg: str, key: str, caption: str) -> str:
    """An inline SVG plot with its caption."""
    return f'<figure class="plot" id="{esc(key)}">{inline_svg(svg, key)}<figcaption>{esc(caption)}</figcaption></figure>'


def paragraph(text: str) -> str:
    return f"<p>{esc(text)}</p>"


def note(text: str) -> str:
    """A highlighted remark (something the reader should know, e.g. a design not re-evaluated)."""
    return f'<p class="note">{esc(text)}</p>'


def preformatted(text: str, summary: str) -> str:
    """Long text folded under ``summary``."""
    return f"<details><summary>{esc(summary)}</summary><pre>{esc(text)}</pre></details>"


def section(anchor: str, title: str, body: str) -> str:
    return f'<section id="{esc(anchor)}"><h2>{esc(title)}</h2>{body}</section>'


def page(title: str, subtitle: str, sections: Sequence[tuple[str, str, str]]) -> str:
    """The whole document; ``sections`` are (anchor, title, body HTML), listed in the nav bar."""
    nav = "".join(f'<a href="#{esc(anchor)}">{esc(name)}</a>' for anchor, name, _ in sections)
    body = "".join(section(anchor, name, content) for anchor, name, content in sections)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{esc(title)}</h1><p>{esc(subtitle)}</p></header>"
        f"<nav>{nav}</nav><main>{body}</main></body></html>\n"
    )
