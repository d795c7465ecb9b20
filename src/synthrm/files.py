"""Writing files so that a run that dies never leaves a half-written one that looks valid:
everything goes to a temporary name beside the target and is renamed when complete; and
an output a refused or failed command made is removed again (:func:`new_output`)."""
from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` through ``<path>.tmp`` and a rename."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
    return path


def atomic_write_json(path: str | Path, obj, **kw) -> Path:
    """:func:`atomic_write_text` of ``json.dumps(obj, **kw)`` (default ``indent=1``)."""
    kw.setdefault("indent", 1)
    return atomic_write_text(path, json.dumps(obj, **kw))


@contextlib.contextmanager
def atomic_file(path: str | Path):
    """Yields a temporary path beside ``path``; on success it replaces ``path``, on an
    exception it is removed."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_dir(path: str | Path, tmp_name: str | None = None):
    """Yields an empty temporary folder beside ``path`` (``tmp_name`` or ``<name>.tmp``);
    on success it is renamed to ``path`` (if ``path`` appeared meanwhile, from another
    process building the same thing, the temporary folder is dropped), on an exception it
    is removed."""
    path = Path(path)
    tmp = path.with_name(tmp_name or f"{path.name}.tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    try:
        tmp.rename(path)
    except OSError:
        if not path.is_dir():
            raise
        shutil.rmtree(tmp)


@contextlib.contextmanager
def new_output(path: str | Path, keep=None):
    """For a file or folder ``path`` a command is about to make: when the block raises
    (a refusal, an error, an interrupt), whatever was made at ``path`` is removed, and so
    are the folders above it that did not exist before (``--out new/dir/fig.png``), so a
    refused or failed command leaves no empty folder and no half-written file; unless
    ``keep(path)`` says it holds finished work worth keeping (e.g. complete shards a rerun
    resumes from). What existed before the block is left alone."""
    path = Path(path)
    top = path  # the highest path made here: path or a missing folder above it
    while not (top.exists() or top.is_symlink()) and top.parent != top and not top.parent.exists():
        top = top.parent
    existed = top.exists() or top.is_symlink()
    try:
        yield path
    except BaseException:
        if not existed and (top.exists() or top.is_symlink()) and not (keep and keep(path)):
            if top.is_dir() and not top.is_symlink():
                shutil.rmtree(top, ignore_errors=True)
            else:
                top.unlink(missing_ok=True)
        raise


def write_png(path: str | Path, image) -> Path:
    """Write an image array ((H, W, 3) uint8 RGB, (H, W) uint8 or uint16 grey) as PNG,
    creating the folder."""
    from PIL import Image

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(image).save(path)
    return path
