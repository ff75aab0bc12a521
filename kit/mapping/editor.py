"""A mapping editor in widgets: confirm how one LA's columns and values map, then save.

    >>> from kit.mapping.editor import mapping_editor
    >>> editor = mapping_editor(table, std, path="outputs/LA01_mapping.yml")
    >>> editor                      # in a notebook: the editor itself
    >>> editor.column_dropdowns["Placement Kind"].value = "placementType"   # same as choosing it
    >>> editor.save_button.click()  # same as pressing "Save mapping"

One row per source column: a drop-down of the standard's fields (what the kit suggested is
preselected) and a label saying how it matched and how sure the kit is. One row per value the
kit does not know: a drop-down of the field's codes and how many rows hold the value. Every
choice updates :attr:`MappingEditor.mapping` at once (a :class:`kit.mapping.mapping_file.Mapping`); the Save
button writes it with :func:`kit.mapping.mapping_file.save_mapping`, and the status label says what happened.

Nothing here prints: results go into widget values, so the editor behaves the same in a
browser, under nbval and in plain pytest (``Output`` widgets do not capture there).
"""

from __future__ import annotations

from pathlib import Path

import ipywidgets as widgets

from kit.core.errors import KitError
from kit.mapping.mapping_file import Mapping, mapping_from_matches, save_mapping
from kit.mapping.suggest import ColumnMatch, suggest_mapping, unknown_values
from kit.read.files import SourceTable
from kit.standards import Standard

KEEP = "(keep as the LA's own column)"
LEAVE = "(leave as an error)"
WIDE = widgets.Layout(width="420px")
NARROW = widgets.Layout(width="260px")


class MappingEditor:
    """The editor's widgets and the :class:`Mapping` they edit.

    Attributes a notebook or a test uses:

    * ``mapping`` — the mapping as currently chosen (updated on every change);
    * ``column_dropdowns`` — source header -> ``Dropdown`` whose value is a field name or ``KEEP``;
    * ``column_labels`` — source header -> ``Label`` (how it matched, confidence);
    * ``value_dropdowns`` — (field, source value) -> ``Dropdown`` whose value is a code or ``LEAVE``;
    * ``value_labels`` — (field, source value) -> ``Label`` (how many rows hold it);
    * ``path`` (a ``Text``), ``save_button``, ``status`` (a ``Label``), ``widget`` (the whole editor).
    """

    def __init__(
        self,
        table: SourceTable,
        std: Standard,
        mapping: Mapping | None = None,
        *,
        path: str | Path = "",
        la: str = "",
    ) -> None:
        self.table, self.std = table, std
        self.matches: list[ColumnMatch] = suggest_mapping(table, std, mapping)
        self.mapping = mapping_from_matches(self.matches, std, la=la, existing=mapping)
        self.column_dropdowns: dict[str, widgets.Dropdown] = {}
        self.column_labels: dict[str, widgets.Label] = {}
        self.value_dropdowns: dict[tuple[str, str], widgets.Dropdown] = {}
        self.value_labels: dict[tuple[str, str], widgets.Label] = {}
        self.values_box = widgets.VBox()
        self.path = widgets.Text(value=str(path), description="Save to", layout=WIDE)
        self.save_button = widgets.Button(description="Save mapping", button_style="primary", icon="save")
        self.status = widgets.Label(value="Check each column, choose codes for unknown values, then save.")
        self.save_button.on_click(self._save)
        columns_box = widgets.VBox([self._column_row(m) for m in self.matches if m.header.strip()])

        self._refresh_values()
        self.widget = widgets.VBox(
            [
                widgets.HTML(f"<b>Columns of {table.name}</b> (standard: {std.title})"),
                columns_box,
                widgets.HTML("<b>Values the kit does not know</b>"),
                self.values_box,
                widgets.HBox([self.path, self.save_button]),
                self.status,
            ]
        )

    # -- columns --------------------------------------------------------------------------------

    def _column_row(self, m: ColumnMatch) -> widgets.HBox:
        """Header | drop-down of fields (the kit's choice preselected) | how it matched.

        A second column with the same name gets no drop-down: the mapping file names columns by
        their header, so only the first of them can be mapped.
        """
        name = widgets.Label(value=f"{m.letter}: {m.header}", layout=NARROW)
        if m.header in self.column_dropdowns:
            note = "a second column with this name: kept as the LA's own (rename it in the file to map it)"
            return widgets.HBox([name, widgets.Label(value=note)])
        options = [(KEEP, KEEP)] + [(f"{f.name} — {f.title}", f.name) for f in self.std.fields]
        chosen = m.field if m.applied and m.how != "duplicate" else KEEP
        dropdown = widgets.Dropdown(options=options, value=chosen, layout=WIDE)
        label = widgets.Label(value=m.explain())
        dropdown.observe(
            lambda change, header=m.header: self._column_changed(header, change["new"]), names="value"
        )
        self.column_dropdowns[m.header] = dropdown
        self.column_labels[m.header] = label
        return widgets.HBox([name, dropdown, label])

    def _column_changed(self, header: str, value: str) -> None:
        self.mapping.columns[header] = None if value == KEEP else value
        self.column_labels[header].value = "chosen by you"
        self._refresh_values()
        clashes = self.clashes()
        if clashes:
            field, headers = next(iter(clashes.items()))
            self.status.value = (
                f"Columns {', '.join(repr(h) for h in headers)} all map to {field}; only the first would be "
                "used. Choose another field for the others."
            )
        else:
            target = value if value != KEEP else "nothing: it is kept as the LA's own column"
            self.status.value = f"Column '{header}' now maps to {target}."

    def clashes(self) -> dict[str, list[str]]:
        """Fields that more than one column maps to: field -> the headers."""
        by_field: dict[str, list[str]] = {}
        for header, dropdown in self.column_dropdowns.items():
            if dropdown.value != KEEP:
                by_field.setdefault(dropdown.value, []).append(header)
        return {f: hs for f, hs in by_field.items() if len(hs) > 1}

    # -- values ---------------------------------------------------------------------------------

    def _current_matches(self) -> list[ColumnMatch]:
        """The columns as the drop-downs now map them (first column wins a field)."""
        taken: set[str] = set()
        out = []
        seen: set[str] = set()
        for m in self.matches:
            dropdown = self.column_dropdowns.get(m.header) if m.header not in seen else None
            seen.add(m.header)
            field = dropdown.value if dropdown is not None and dropdown.value != KEEP else None
            if field in taken:
                field = None
            if field:
                taken.add(field)
            out.append(ColumnMatch(m.position, m.header, field, "mapping" if field else "unmapped"))
        return out

    def _refresh_values(self) -> None:
        """One row per value of a coded field that is neither a code nor a known spelling."""
        counts = unknown_values(self.table, self._current_matches(), self.std)
        rows = []
        for field, values in counts.items():
            codes = self.std.codes_for(field)
            chosen = self.mapping.values.get(field, {})
            for value, n in values.items():
                key = (field, value)
                if key not in self.value_dropdowns:
                    target = codes.canonical(chosen[value]) if chosen.get(value) else None
                    dropdown = widgets.Dropdown(
                        options=[LEAVE, *codes.values], value=target or LEAVE, layout=NARROW
                    )
                    dropdown.observe(
                        lambda change, key=key: self._value_changed(key, change["new"]), names="value"
                    )
                    self.value_dropdowns[key] = dropdown
                    self.value_labels[key] = widgets.Label(value=f"{n:,} row{'s' if n != 1 else ''}")
                name = widgets.Label(value=f"{field}: '{value}'", layout=WIDE)
                rows.append(widgets.HBox([name, self.value_dropdowns[key], self.value_labels[key]]))
        if not rows:
            rows = [
                widgets.Label(value="Every value of a coded column is a code or a known spelling of one.")
            ]
        self.values_box.children = rows

    def _value_changed(self, key: tuple[str, str], code: str) -> None:
        field, value = key
        pairs = self.mapping.values.setdefault(field, {})
        if code == LEAVE:
            pairs.pop(value, None)  # not mapped: the value stays an error for the LA to fix
            self.status.value = f"'{value}' in {field} will stay an error."
        else:
            pairs[value] = code
            self.status.value = f"'{value}' in {field} will become '{code}'."
        if not pairs:
            self.mapping.values.pop(field, None)

    # -- saving ---------------------------------------------------------------------------------

    def _save(self, _button=None) -> None:
        target = self.path.value.strip()
        if not target:
            self.status.value = "Type where to save the mapping (e.g. outputs/LA01_mapping.yml), then save."
            return
        clashes = self.clashes()
        if clashes:
            field, headers = next(iter(clashes.items()))
            self.status.value = (
                f"Not saved: columns {', '.join(repr(h) for h in headers)} all map to {field}."
            )
            return
        try:
            path = save_mapping(self.mapping, target)
        except (KitError, OSError) as exc:
            self.status.value = f"Not saved: {exc}"
            return
        mapped = sum(1 for f in self.mapping.columns.values() if f)
        values = sum(len(v) for v in self.mapping.values.values())
        self.status.value = (
            f"Saved {path.name}: {mapped} columns mapped, {len(self.mapping.columns) - mapped} kept as the LA's own, "
            f"{values} value{'s' if values != 1 else ''} mapped."
        )

    # -- display --------------------------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def mapping_editor(
    table: SourceTable, std: Standard, mapping: Mapping | None = None, *, path: str | Path = "", la: str = ""
) -> MappingEditor:
    """Build the editor for one LA's table (see :class:`MappingEditor`)."""
    return MappingEditor(table, std, mapping, path=path, la=la)
