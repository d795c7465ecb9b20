"""Named extension points (antennas, districts, models, export formats).

A :class:`Registry` maps a name to an entry. The configs validate names against it and the
CLI takes its choices from it, so adding an entry is one ``register`` call in the module
that implements it (``docs/extending.md``); an unknown name is a one-line error that lists
the known ones.
"""
from __future__ import annotations

import difflib
from typing import Generic, Iterator, TypeVar

from synthrm.errors import ConfigError

T = TypeVar("T")


class Registry(Generic[T]):
    """Name -> entry of one kind (``what``: e.g. ``"antenna"``), in registration order."""

    def __init__(self, what: str):
        self.what = what
        self._entries: dict[str, T] = {}

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

    def get(self, name: str, setting: str | None = None) -> T:
        """The entry of ``name``; a ConfigError naming ``setting`` and the choices otherwise."""
        if name in self._entries:
            return self._entries[name]
        close = difflib.get_close_matches(str(name), self._entries, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigError(f"{setting or self.what}: unknown {name!r}{hint}; choose one of the {self.what}s "
                          f"{', '.join(self.names())}")

    def names(self) -> tuple[str, ...]:
        return tuple(self._entries)

    def __contains__(self, name) -> bool:
        return name in self._entries

    def __getitem__(self, name: str) -> T:
        return self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def items(self):
        return self._entries.items()

    def values(self):
        return self._entries.values()
