"""The one style of everything the kit shows: colours, chart settings, and the HTML page.

Every colour the kit uses is defined here and nowhere else: the Analysis Function's
colour-blind-safe palette for charts, and the few greys and fills of the HTML pages and Excel
workbooks. Out:

* the palette (:data:`PALETTE`, in the guidance's order; :data:`TWO_SERIES` for two series;
  :data:`SEQUENTIAL` for ordered shades) and :data:`RC`, the matplotlib settings every chart is
  drawn under (:func:`styled` wraps a chart function in them);
* :data:`CSS`, the one stylesheet of every HTML page (the regional report and the quality
  report), :func:`esc` (the one escaping function) and :func:`page` / :func:`write_page` (the one
  page skeleton: offline, no scripts, no links, refused if anything points outside the file);
* the fills of the Excel workbooks (:data:`EXCEL_ERROR_FILL` and friends), as ``RRGGBB`` text.

Importing this module does not import matplotlib (:func:`styled` does, when a chart is drawn).
"""

from __future__ import annotations

import functools
import html
import html.parser
import re
from pathlib import Path

# The Analysis Function's categorical palette, in its order.
DARK_BLUE = "#12436D"
TURQUOISE = "#28A197"
DARK_PINK = "#801650"
ORANGE = "#F46A25"
DARK_GREY = "#3D3D3D"
LIGHT_PURPLE = "#A285D1"
PALETTE = (DARK_BLUE, TURQUOISE, DARK_PINK, ORANGE, DARK_GREY, LIGHT_PURPLE)
TWO_SERIES = (DARK_BLUE, ORANGE)  # the guidance's pair for two series
SEQUENTIAL = ("#12436D", "#2073BC", "#6BACE6")  # dark to light, for ordered categories and bands
MID_BLUE, LIGHT_BLUE = SEQUENTIAL[1], SEQUENTIAL[2]

# Text and page colours (GOV.UK text black and greys).
TEXT = "#0B0C0C"
WHITE = "#FFFFFF"
PANEL = "#F3F2F1"  # a light grey background (notices, cells with no value)
RULE = "#B1B4B6"  # table borders
BORDER = "#D0D0D0"  # image borders
NOTE = "#505A5F"  # secondary text

# Completeness shading of the quality report: white when complete, deepening tints of dark pink.
SHADES = ("#FFFFFF", "#FBE4EE", "#F0A8C6", "#D4709A")

# Excel fills (openpyxl takes RRGGBB without the '#').
EXCEL_ERROR_FILL = "F4CCCC"
EXCEL_WARNING_FILL = "FCE5CD"
EXCEL_HEADER_FILL = DARK_BLUE.lstrip("#")
EXCEL_HEADER_TEXT = WHITE.lstrip("#")

# ---------------------------------------------------------------------------------------------
# Charts

RC = {
    "axes.prop_cycle": None,  # filled in by _rc() (needs matplotlib's cycler)
    "axes.edgecolor": DARK_GREY,
    "axes.labelcolor": DARK_GREY,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": DARK_GREY,
    "ytick.color": DARK_GREY,
    "text.color": TEXT,
    "figure.facecolor": WHITE,
    "axes.facecolor": WHITE,
    "savefig.facecolor": WHITE,
    "legend.frameon": False,
}
"""The matplotlib settings every chart of the kit is drawn under (the palette as the colour cycle)."""


def _rc() -> dict:
    from cycler import cycler

    return {**RC, "axes.prop_cycle": cycler(color=list(PALETTE))}


def styled(func):
    """A chart function drawn under :data:`RC` (settings are read as each artist is made)."""

    @functools.wraps(func)
    def draw(*args, **kwargs):
        import matplotlib

        with matplotlib.rc_context(_rc()):
            return func(*args, **kwargs)

    return draw


# ---------------------------------------------------------------------------------------------
# HTML pages

CSS = f"""
body {{ font-family: Arial, Helvetica, sans-serif; color: {TEXT}; margin: 0; background: {WHITE}; }}
main {{ max-width: 1100px; margin: 0 auto; padding: 24px 32px 64px; }}
h1 {{ font-size: 2em; margin: 0.4em 0 0.2em; color: {DARK_BLUE}; }}
h2 {{ font-size: 1.5em; margin-top: 2em; border-top: 4px solid {DARK_BLUE}; padding-top: 0.5em; }}
h3 {{ font-size: 1.15em; margin-top: 1.6em; }}
p, li, dd {{ line-height: 1.45; max-width: 46em; }}
.banner {{ background: {ORANGE}; color: {TEXT}; padding: 10px 16px; font-weight: bold; }}
.notice {{ border-left: 6px solid {DARK_BLUE}; background: {PANEL}; padding: 10px 16px; margin: 1em 0; }}
.note {{ color: {NOTE}; font-size: 0.9em; }}
figure {{ margin: 1.5em 0; }}
figure img {{ max-width: 100%; height: auto; border: 1px solid {BORDER}; }}
figcaption {{ font-size: 0.9em; color: {DARK_GREY}; }}
table {{ border-collapse: collapse; margin: 0.6em 0 1.2em; font-size: 0.85em; }}
caption {{ text-align: left; font-weight: bold; padding: 0.3em 0; }}
th, td {{ border-bottom: 1px solid {RULE}; padding: 4px 10px 4px 0; text-align: left; vertical-align: top; }}
td.num, th.num {{ text-align: right; }}
td.shade-0 {{ background: {SHADES[0]}; }}
td.shade-1 {{ background: {SHADES[1]}; }}
td.shade-2 {{ background: {SHADES[2]}; }}
td.shade-3 {{ background: {SHADES[3]}; }}
td.none {{ background: {PANEL}; }}
dl.def dt {{ font-weight: bold; margin-top: 0.4em; }}
dl.def dd {{ margin-left: 0; }}
nav ol {{ columns: 2; }}
footer {{ margin-top: 3em; font-size: 0.85em; color: {DARK_GREY}; }}
@media print {{ h2 {{ page-break-before: always; }} figure, table {{ page-break-inside: avoid; }} }}
"""

OUTSIDE_TAGS = {
    "script": "a script",
    "link": "a linked file",
    "iframe": "a frame",
    "frame": "a frame",
    "object": "an embedded object",
    "embed": "an embedded object",
    "applet": "an embedded object",
    "base": "a base address",
    "portal": "a frame",
}
"""Elements an offline page must not contain (tag -> what it is), checked before and after writing."""
URL_ATTRIBUTES = frozenset(
    [
        "src",
        "href",
        "action",
        "formaction",
        "srcset",
        "poster",
        "background",
        "data",
        "cite",
        "longdesc",
        "usemap",
        "manifest",
        "ping",
        "xlink:href",
        "imagesrcset",
    ]
)
"""Attributes whose value a browser fetches or follows: inside the page only (``#...``, ``data:``)."""
_CSS_OUTSIDE = re.compile(r"url\s*\(|@import", re.IGNORECASE)


class _References(html.parser.HTMLParser):
    """Collects what in a page would be fetched or followed: elements, addresses in attributes, CSS.

    Text is not a reference: a region or LA called "http://..." is shown, never fetched (and
    :func:`esc` writes its ``://`` so that no tool reading the text takes it for a link).
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs) -> None:
        if tag in OUTSIDE_TAGS:
            self.found.append(OUTSIDE_TAGS[tag])
        self._in_style = tag == "style"
        for name, value in attrs:
            value = (value or "").strip()
            if name in URL_ATTRIBUTES and value and not value.startswith(("#", "data:")):
                self.found.append("a web address" if "//" in value or ":" in value else "a linked file")
            elif name == "style" and _CSS_OUTSIDE.search(value):
                self.found.append("an external style")
            elif name == "http-equiv" and value.lower() == "refresh":
                self.found.append("a redirect")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data) -> None:
        if self._in_style and _CSS_OUTSIDE.search(data):
            self.found.append("an external style")


def esc(value) -> str:
    """Text for HTML (element text and attribute values alike): ``&``, ``<``, ``>`` and quotes escaped,
    and ``://`` written as a character reference, so that text holding a web address (an LA named
    "http://...") reads the same but is not a link to any tool scanning the page."""
    return html.escape("" if value is None else str(value), quote=True).replace("://", "&#58;//")


def outside_references(text: str) -> list[str]:
    """What in an HTML page points outside it (an empty list means nothing: it opens offline).

    The page is parsed: elements that load something (scripts, linked files, frames, objects),
    attributes that are followed or fetched unless they point inside the page, and CSS that
    imports or loads. Text is never a reference, however it reads.
    """
    parser = _References()
    parser.feed(text)
    parser.close()
    return list(dict.fromkeys(parser.found))


def table_html(head: list, rows: list[list], numeric: list[bool], caption: str = "", classes=None) -> str:
    """An HTML table: ``head`` (column names), ``rows`` (cell text), ``numeric`` (right-aligned columns).

    ``classes``: optional per-cell CSS classes (same shape as ``rows``), e.g. a shade.
    Every cell is escaped here.
    """

    def cls(*names) -> str:
        names = [n for n in names if n]
        return f' class="{" ".join(names)}"' if names else ""

    th = "".join(
        f'<th scope="col"{cls("num" if n else "")}>{esc(h)}</th>' for h, n in zip(head, numeric, strict=True)
    )
    body = []
    for i, row in enumerate(rows):
        extra = classes[i] if classes is not None else [""] * len(row)
        tds = "".join(
            f"<td{cls('num' if n else '', c)}>{esc(v)}</td>"
            for v, n, c in zip(row, numeric, extra, strict=True)
        )
        body.append(f"<tr>{tds}</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{th}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def page(title: str, body: str, banner: str = "") -> str:
    """A whole HTML page: the kit's stylesheet inline, ``banner`` (plain text) above ``body`` (HTML).

    Raises ``AssertionError`` when the page would reference anything outside itself.
    """
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>",
    ]
    if banner:
        parts.append(f'<div class="banner" role="note">{esc(banner)}</div>')
    parts += [f"<main><h1>{esc(title)}</h1>", body, "</main></body></html>"]
    text = "\n".join(parts)
    found = outside_references(text)
    if found:
        raise AssertionError(f"The page would contain {found[0]}, so it would not open offline; refusing it.")
    return text


def write_page(path: str | Path, title: str, body: str, banner: str = "") -> Path:
    """Write :func:`page` to ``path`` (UTF-8); returns the path."""
    path = Path(path)
    path.write_text(page(title, body, banner), encoding="utf-8")
    return path
