"""Run bookkeeping shared by every generator (city, indoor, relabel): the dataset's
``index.json`` (config, version, schema, the complete shards with their SHA-256 and the
frames dropped), resuming (same settings, verified shards kept, the rest done again,
leftovers of an interrupted run removed) and the progress bar."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

from synthrm.dataset.hdf5 import INDEX_JSON, SCHEMA_VERSION, SHARD_DIR, read_index, sha256, write_index
from synthrm.config import config_diff
from synthrm.errors import DatasetError
from synthrm.scene.build import SCENES_DIR


def open_run(root: str | Path, config: dict, header: dict | None = None, same: dict | None = None,
             what: str = "a dataset", grows: str | None = None, log=None) -> tuple[dict, bool]:
    """The index of the run in ``root``: a new one (``header`` keys, ``config``, no shards;
    written at once) or, to resume, the existing one when its config (and the ``same``
    keys) equal these, else a DatasetError naming the differences. Returns (index, resumed).

    ``grows``: a top-level config key (the city generator's ``frames``) that may be larger
    than the existing run's when it is the only difference: the run is extended (its
    config rewritten, its shards kept; the caller makes the missing ones). Valid only where
    every work unit is seeded by its own index, so that an extended run equals a fresh one."""
    from synthrm import __version__

    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    if (root / INDEX_JSON).exists():
        idx = read_index(root)
        old = idx.get("config") or {}
        diffs = config_diff(old, config)
        diffs += [f"{k}: another value" for k, v in (same or {}).items() if idx.get(k) != v]
        if grows and len(diffs) == 1 and isinstance(old.get(grows), int) and config.get(grows, 0) > old[grows]:
            (log or (lambda m: print(m, file=sys.stderr)))(
                f"extending {root}: {grows} {old[grows]} -> {config[grows]} (the complete shards are kept)")
            idx["config"] = config
            write_index(root, idx)
            return idx, True
        if diffs:
            raise DatasetError(f"{root} holds {what} made with a different config (other settings: "
                               f"{'; '.join(diffs[:3])}); "
                               "use a new --out folder or the same settings to resume")
        return idx, True
    idx = {"synthrm_version": __version__, "schema_version": SCHEMA_VERSION, "config": config, **(header or {}),
           "shards": [], **(same or {})}
    write_index(root, idx)
    return idx, False


def holds_shards(root: str | Path) -> bool:
    """True when ``root`` holds a dataset index listing at least one complete shard: work a
    rerun resumes from, kept when a run fails (:func:`synthrm.files.new_output`)."""
    try:
        return bool(read_index(root).get("shards"))
    except DatasetError:
        return False


def remove_leftovers(root: str | Path) -> None:
    """Delete what an interrupted run left: ``shards/*.tmp`` files and ``scenes/*.tmp`` folders."""
    root = Path(root)
    for tmp in (root / SHARD_DIR).glob("*.tmp") if (root / SHARD_DIR).exists() else []:
        tmp.unlink()
    for tmp in (root / SCENES_DIR).glob("*.tmp") if (root / SCENES_DIR).exists() else []:
        shutil.rmtree(tmp, ignore_errors=True)


def verified_shards(root: str | Path, idx: dict, log=None) -> list[dict]:
    """The index's shards whose file exists with the recorded SHA-256; a shard that fails
    (truncated, altered) is deleted so that it is made again."""
    log = log or (lambda m: print(m, file=sys.stderr))
    root = Path(root)
    ok = []
    for s in idx["shards"]:
        p = root / s["file"]
        if not p.is_file():
            log(f"shard {s['file']} is missing; it will be generated again")
            continue
        if s.get("sha256") and sha256(p) != s["sha256"]:
            log(f"shard {s['file']} does not match its checksum (truncated or altered); generating it again")
            p.unlink()
            continue
        ok.append(s)
    return ok


def record_shard(root: str | Path, idx: dict, entry: dict) -> None:
    """Add a complete shard's entry (file, samples, sha256[, dropped]) and rewrite the index."""
    idx["shards"].append(entry)
    idx["shards"].sort(key=lambda s: s["file"])
    write_index(root, idx)


def shard_entry(root: str | Path, path: str | Path, samples: list[str], dropped: list[dict] | None = None) -> dict:
    """The index entry of a shard just written."""
    entry = {"file": str(Path(path).relative_to(root)), "samples": list(samples), "sha256": sha256(path)}
    if dropped:
        entry["dropped"] = dropped
    return entry


def warnings_only(log):
    """``log`` for lines that start with ``warning`` only: what ``--quiet`` still prints
    (the radio stage's progressive-pass notes and resume notes are progress, not warnings)."""
    return lambda m: log(m) if str(m).lstrip().lower().startswith("warning") else None


def progress_bar(total: int, enabled: bool, desc: str = "generate", unit: str = "frame"):
    """A tqdm bar on stderr (disabled when ``enabled`` is false or nothing is to do)."""
    from tqdm import tqdm

    return tqdm(total=total, unit=unit, desc=desc, disable=not enabled or total == 0, file=sys.stderr,
                dynamic_ncols=True)
