"""Checks plug-ins: what a standard with profiles or rule kinds of its own adds to its suite.

The shared suite (``kit.checks.suite.build_checks``) is derived from any standard file. A standard
that needs more (the person standard: profiles, check digits, plausible ages) declares a plug-in
module in its standard file (``plugin: kit.person.plugin``, loaded by
:func:`kit.convert.registry.load_plugin`), which registers a :class:`SuitePlugin` here under the
standard's name. Nothing in ``kit.checks`` knows a standard by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kit.core.errors import KitError


@dataclass(frozen=True)
class SuitePlugin:
    """What a standard adds to the shared checks.

    * ``build_checks(std, present, by_design, profile, today)``: the whole suite (it usually
      starts from the shared ``build_checks`` and adds the standard's own rule kinds);
    * ``file_findings(result, present)``: findings about the file as a whole (a profile's missing columns);
    * ``blanking_rules(std)``: rule ids of its own whose errors leave the value empty in the standard table;
    * ``expectations``: the module holding its Great Expectations classes (imported when checks run);
    * ``profiles``: profile name -> who it is for, in plain English; the user must choose one;
    * ``required_columns(std, profile, mapped)``: the fields a file must have a column for, given the
      fields it maps (a links table under a links profile needs the links' columns, not the names);
      without it, the fields the standard file marks ``required``;
    * ``judged_files(result)``: the names of the files whose findings are reported (None: every file),
      e.g. only the links files when person records are read only to judge the links.
    """

    build_checks: Callable[..., list]
    file_findings: Callable[..., list] | None = None
    blanking_rules: Callable[..., frozenset[str]] | None = None
    expectations: str | None = None
    profiles: dict[str, str] = field(default_factory=dict)
    profiles_of: str = "the standard"  # how the profile question names the standard ("Person Standard")
    required_columns: Callable[..., tuple[str, ...]] | None = None
    judged_files: Callable[..., set[str] | None] | None = None


_PLUGINS: dict[str, SuitePlugin] = {}


def register_suite(standard: str, plugin: SuitePlugin) -> None:
    _PLUGINS[standard] = plugin


def suite_plugin(std: Any) -> SuitePlugin | None:
    return _PLUGINS.get(std.standard)


def require_profile(std: Any, profile: str | None) -> None:
    """Raise a plain-English :class:`KitError` when the standard has profiles and none (or an unknown one) was chosen."""
    plugin = suite_plugin(std)
    if plugin is None or not plugin.profiles or profile in plugin.profiles:
        return
    options = " or ".join(f"--profile {name} ({text})" for name, text in plugin.profiles.items())
    raise KitError(f"Say which {plugin.profiles_of} profile the records follow: {options}.")


def required_columns(std: Any, profile: str | None, mapped: set[str]) -> tuple[str, ...]:
    """The fields a file mapping ``mapped`` must have a column for under ``profile`` (the plug-in decides)."""
    plugin = suite_plugin(std)
    if plugin is not None and plugin.required_columns is not None:
        return tuple(plugin.required_columns(std, profile, mapped))
    return tuple(f.name for f in std.fields if f.required)


__all__ = ["SuitePlugin", "register_suite", "require_profile", "required_columns", "suite_plugin"]
