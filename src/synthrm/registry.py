"""Named extension points (antennas, districts, models, export formats) and plugins.

A :class:`Registry` maps a name to an entry. The configs validate names against it and the
CLI takes its choices from it. Each entry is registered where it is implemented: data
entries (an antenna, a district) by a ``register`` call beside their registry, code
entries (a model builder, an export writer) by a decorator on the function
(``@register_model``, ``@register_format``); a registry whose built-ins live in other
modules names those modules (``builtins``) and imports them on its first lookup, so that
registering a model loads no torch. An unknown name is a one-line error that lists the
known ones.

Plugins are installed packages that declare an entry point in the group
:data:`PLUGIN_GROUP` (``synthrm.plugins``): a module whose import registers entries (or a
``module:function`` called once without arguments). Every registry loads the installed
plugins, once per process, before its first lookup, so a plugin's antenna, district,
model or format is in the configs and the CLI choices with no launcher
(``docs/extending.md``).
"""
from __future__ import annotations

import difflib
import importlib
from types import ModuleType
from typing import Generic, Iterator, TypeVar

from synthrm.errors import ConfigError, SynthrmError

T = TypeVar("T")

#: The entry-point group of synthrm plugins.
PLUGIN_GROUP = "synthrm.plugins"
_plugins: list[str] | None = None
_plugin_error: SynthrmError | None = None


def load_plugins() -> list[str]:
    """Import every installed plugin of :data:`PLUGIN_GROUP` (once per process); returns
    their entry-point names. A plugin that fails to load is a SynthrmError naming it (on
    this and every later call)."""
    global _plugins, _plugin_error
    if _plugin_error is not None:
        raise _plugin_error
    if _plugins is not None:  # loaded, or loading: a plugin's own lookups see what is there
        return list(_plugins)
    from importlib.metadata import entry_points

    _plugins = []
    for ep in sorted(entry_points(group=PLUGIN_GROUP), key=lambda e: e.name):
        try:
            obj = ep.load()
            if callable(obj) and not isinstance(obj, ModuleType):
                obj()
        except Exception as e:  # any failure of third-party code: name the plugin and the fix
            why = (str(e).strip().splitlines() or [""])[0]
            _plugin_error = SynthrmError(f"plugin {ep.name!r} ({ep.value}) failed to load: {type(e).__name__}: "
                                         f"{why}; fix it or uninstall its package")
            raise _plugin_error from None
        _plugins.append(ep.name)
    return list(_plugins)


class Registry(Generic[T]):
    """Name -> entry of one kind (``what``: e.g. ``"antenna"``), in registration order.

    ``builtins``: modules whose import registers the built-in entries (imported, with the
    plugins, before the first lookup)."""

    def __init__(self, what: str, builtins: tuple[str, ...] = ()):
        self.what = what
        self.builtins = tuple(builtins)
        self._entries: dict[str, T] = {}
        self._state = "new"  # -> "loading" (built-ins and plugins being imported) -> "complete"

    def register(self, name: str, entry: T) -> T:
        """Add ``entry`` under ``name`` (a ValueError if the name is taken). Returns it."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"{self.what} names are non-empty strings, got {name!r}")
        if name in self._entries:
            raise ValueError(f"{self.what} {name!r} is registered already")
        self._entries[name] = entry
        return entry

    def unregister(self, name: str) -> None:
        """Remove ``name`` (for tests that register a toy entry)."""
        self._entries.pop(name, None)

    def _all(self) -> dict[str, T]:
        """The entries, after the built-in modules and the plugins have registered theirs."""
        if self._state == "new":
            self._state = "loading"
            try:
                for module in self.builtins:
                    importlib.import_module(module)
                load_plugins()
                self._state = "complete"
            finally:
                if self._state == "loading":
                    self._state = "new"
        return self._entries

    def get(self, name: str, setting: str | None = None) -> T:
        """The entry of ``name``; a ConfigError naming ``setting`` and the choices otherwise."""
        entries = self._all()
        if name in entries:
            return entries[name]
        close = difflib.get_close_matches(str(name), entries, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigError(f"{setting or self.what}: unknown {name!r}{hint}; choose one of the {self.what}s "
                          f"{', '.join(self.names())}")

    def names(self) -> tuple[str, ...]:
        return tuple(self._all())

    def __contains__(self, name) -> bool:
        return name in self._all()

    def __getitem__(self, name: str) -> T:
        return self._all()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._all())

    def items(self):
        return self._all().items()

    def values(self):
        return self._all().values()
