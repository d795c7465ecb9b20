"""The export formats ``synthrm export --format`` knows: one registry entry each.

An entry names its writer, ``writer(root, out, **options) -> Path`` (a callable, or a
``"module:function"`` string imported on first use), and the extra options it accepts
(``block`` for ``synthrm-platform``). The CLI takes its ``--format`` choices from the
registry and :func:`export_dataset` dispatches through it.

    from synthrm.export.registry import FORMATS, ExportFormat
    FORMATS.register("my-tool", ExportFormat(write_my_tool, "my tool's folder layout"))
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from synthrm.errors import ConfigError
from synthrm.registry import Registry


@dataclass(frozen=True)
class ExportFormat:
    """How to write a city dataset in another tool's format."""

    writer: Callable | str
    """``writer(root, out, **options) -> Path`` (the main file or folder written), or
    ``"module:function"``."""
    description: str = ""
    options: tuple[str, ...] = ()
    """Keyword options the writer accepts beyond ``root`` and ``out`` (e.g. ``("block",)``)."""

    def write(self, root: str | Path, out: Path, **options) -> Path:
        w = self.writer
        if isinstance(w, str):
            mod, attr = w.split(":")
            w = getattr(importlib.import_module(mod), attr)
        return w(root, out, **options)


FORMATS: Registry[ExportFormat] = Registry("export format")
FORMATS.register("nerfstudio", ExportFormat(
    "synthrm.export.formats:export_nerfstudio", "transforms.json, images/, depth/ (nerfstudio)"))
FORMATS.register("colmap", ExportFormat(
    "synthrm.export.formats:export_colmap", "cameras.txt, images.txt, points3D.txt (COLMAP text model)"))
FORMATS.register("ply", ExportFormat(
    "synthrm.export.formats:export_ply", "radio-textured VAS meshes per sample and Tx, scene meshes"))
FORMATS.register("synthrm-platform", ExportFormat(
    "synthrm.export.synthrm_platform:export_synthrm_platform",
    "the SynthRM paper's loader block_<N>/ folders", options=("block",)))


def export_dataset(root: str | Path, fmt: str, out: str | Path, **options) -> Path:
    """Export the city dataset ``root`` in format ``fmt`` (a :data:`FORMATS` name) into
    ``out``. ``options`` (e.g. ``block=3``: number of the first ``block_<N>`` folder of
    ``synthrm-platform``) must be ones the format accepts; ``None`` values are ignored."""
    spec = FORMATS.get(fmt, "--format")
    given = {k: v for k, v in options.items() if v is not None}
    for k in given:
        if k not in spec.options:
            allowed = [n for n, f in FORMATS.items() if k in f.options]
            raise ConfigError(f"--{k}: only for --format {' or '.join(allowed) or 'none'}, not {fmt}")
    return spec.write(root, Path(out), **given)
