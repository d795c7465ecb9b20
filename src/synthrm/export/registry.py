"""The export formats ``synthrm export --format`` knows: one registry entry each.

An entry names its writer, ``writer(root, out, **options) -> Path``, and the extra options
it accepts (``block`` for ``synthrm-platform``; ``sample`` and ``tx`` for ``ply``). A format
is registered where its writer is implemented, by :func:`register_format` on the writer;
the built-in ones live in :data:`BUILTIN_MODULES`, imported on the registry's first
lookup. The CLI takes its ``--format`` choices from the registry and
:func:`export_dataset` dispatches through it.

    from synthrm.export.registry import register_format

    @register_format("my-tool", "my tool's folder layout")
    def write_my_tool(root, out): ...
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from synthrm.errors import ConfigError
from synthrm.files import new_output
from synthrm.registry import Registry

#: Modules whose writers register the built-in formats.
BUILTIN_MODULES = ("synthrm.export.formats", "synthrm.export.synthrm_platform")


@dataclass(frozen=True)
class ExportFormat:
    """How to write a dataset in another tool's format."""

    writer: Callable
    """``writer(root, out, **options) -> Path`` (the main file or folder written)."""
    description: str = ""
    options: tuple[str, ...] = ()
    """Keyword options the writer accepts beyond ``root`` and ``out`` (e.g. ``("block",)``)."""

    def write(self, root: str | Path, out: Path, **options) -> Path:
        return self.writer(root, out, **options)


FORMATS: Registry[ExportFormat] = Registry("export format", builtins=BUILTIN_MODULES)


def register_format(name: str, description: str, options: tuple[str, ...] = ()):
    """Decorator: register the decorated writer as export format ``name`` (taking the
    keyword ``options``); returns the writer unchanged."""
    def decorate(writer: Callable) -> Callable:
        FORMATS.register(name, ExportFormat(writer, description, tuple(options)))
        return writer
    return decorate


def export_dataset(root: str | Path, fmt: str, out: str | Path, **options) -> Path:
    """Export the dataset ``root`` in format ``fmt`` (a :data:`FORMATS` name) into
    ``out``. ``options`` (e.g. ``block=3``: number of the first ``block_<N>`` folder of
    ``synthrm-platform``) must be ones the format accepts; ``None`` values are ignored."""
    spec = FORMATS.get(fmt, "--format")
    given = {k: v for k, v in options.items() if v is not None}
    for k in given:
        if k not in spec.options:
            allowed = [n for n, f in FORMATS.items() if k in f.options]
            raise ConfigError(f"--{k}: only for --format {' or '.join(allowed) or 'none'}, not {fmt}")
    with new_output(out):  # a refused or failed export leaves nothing it made
        return spec.write(root, Path(out), **given)
