"""Which standard version and file layout is this? With the evidence, and overridable.

A file on a national template is recognised by its exact column list; a file in any other shape
(regional pipeline headers, a case-management export) by which version's fields its headers
cover, and by the fields only one version has (``placementStartDate`` is v2 only,
``isPreferredLocationLocal`` v1 only, ``preferredLocation`` v0.1 only).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kit import standards
from kit.core.errors import KitError
from kit.read.files import SourceTable, layout_match
from kit.standards import Layout, Standard, normalise_header


@dataclass
class Detection:
    standard: Standard
    layout: Layout | None
    evidence: list[str] = field(default_factory=list)
    overridden: bool = False

    @property
    def version(self) -> str:
        return self.standard.version

    def describe(self) -> str:
        what = self.layout.title if self.layout else "no national template layout"
        return f"{self.standard.title} — {what}"


def _coverage(headers: list[str], std: Standard) -> tuple[set[str], int]:
    """Fields of ``std`` the headers name, and how many headers name nothing in ``std``."""
    index = std.header_index()
    found, unknown = set(), 0
    for h in headers:
        key = normalise_header(h)
        if not key:
            continue
        if key in index:
            found.add(index[key])
        else:
            unknown += 1
    return found, unknown


def _layout_match(headers: list[str], layout: Layout) -> float:
    """1.0 for the exact template columns in order; else the share of columns in common."""
    return layout_match(headers, layout)


def detect(table: SourceTable, standard: str = "placements", version: str = "auto") -> Detection:
    """Detect the version and layout of ``table``; ``version`` other than ``auto`` overrides it."""
    versions = standards.versions(standard)
    if not versions:
        raise KitError(f"The kit does not know a standard called {standard!r}.")
    candidates = [standards.load(standard, v) for v in versions]
    evidence: list[str] = []

    # 1. A national template layout, matched on its column names.
    best: tuple[float, Standard, Layout] | None = None
    for std in candidates:
        for lay in std.layouts:
            score = _layout_match(table.headers, lay)
            if best is None or score > best[0]:
                best = (score, std, lay)

    if version != "auto":
        std = standards.load(standard, version)
        layout = None
        if best and best[0] >= 0.9 and best[1].version == std.version:
            layout = best[2]
        else:
            scored = [(_layout_match(table.headers, lay), lay) for lay in std.layouts]
            scored = [s for s in scored if s[0] >= 0.9]
            layout = max(scored, key=lambda s: s[0])[1] if scored else None
        evidence.append(f"version {std.version} chosen by the user")
        if layout:
            evidence.append(f"columns match the {layout.title} layout")
        return Detection(std, layout, evidence, overridden=True)

    if best and best[0] == 1.0:
        score, std, lay = best
        evidence.append(f"the {len(lay.columns)} column names are exactly those of the {lay.title}, in order")
        return Detection(std, lay, evidence)

    # 2. Otherwise: the version whose fields the headers cover best.
    scored = []
    for std in candidates:
        found, unknown = _coverage(table.headers, std)
        # Fields only this version has are strong evidence; headers unknown to it count against.
        others = set().union(*(set(o.field_names) for o in candidates if o is not std))
        only_here = found - others
        scored.append((len(found) + 3 * len(only_here) - unknown, len(found), only_here, std))
    scored.sort(key=lambda s: (s[0], s[3].version == "1"), reverse=True)
    total, nfound, only_here, std = scored[0]
    if nfound == 0:
        named = sum(1 for h in table.headers if h.strip())
        raise KitError(
            f"{table.name}: none of its {named} column names belongs to the {standard} standard. "
            f"Check this is a {standard} file, or map its columns with a mapping file (--mapping)."
        )
    evidence.append(f"{nfound} of {len(table.headers)} columns name fields of {std.title}")
    if only_here:
        evidence.append("fields only this version has: " + ", ".join(sorted(only_here)))
    layout = None
    if best and best[0] >= 0.9 and best[1] is std:
        layout = best[2]
        evidence.append(f"columns are close to the {layout.title} ({best[0]:.0%} in common)")
    elif best:
        evidence.append(
            f"not a national template layout (closest: {best[2].title}, {best[0]:.0%} of column names in common)"
        )
    return Detection(std, layout, evidence)
