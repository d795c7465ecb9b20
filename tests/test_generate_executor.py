"""Scale and data safety: the Ray executor gives the local executor's samples, a dead
Ray worker's shard is retried, ``synthrm validate`` finds what is missing or corrupt, and
regeneration repairs exactly that."""
from __future__ import annotations

import json
import os

import pytest

from synthrm.cli import main
from synthrm.dataset.hdf5 import read_index
from synthrm.dataset.validate import validate_dataset
from synthrm.generate import generate

from conftest import assert_same_samples, tiny_config


def _cfg(**over):
    return tiny_config(frames=4, shard_size=1, frames_per_scene=2, seed=3, **over)


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("local")
    generate(_cfg(), root, progress=False)
    return root


def test_ray_executor_matches_local(local_run, tmp_path):
    pytest.importorskip("ray")
    out = tmp_path / "ray"
    rep = generate(_cfg(), out, progress=False, executor="ray", ray_local_workers=2)
    assert rep["frames"] == 4 and set(rep["stage_total_s"]) >= {"rgb", "radio", "write"}
    assert_same_samples(local_run, out, n=4)
    assert validate_dataset(out).ok
    # both workers may have built the same scene: one copy each, no leftovers
    assert sorted(p.name for p in (out / "scenes").iterdir()) == ["city-mix-0000", "city-mix-0001"]


def test_ray_retries_a_shard_whose_worker_died(local_run, tmp_path, monkeypatch):
    """The first attempt of shard 2 kills its worker process (os._exit): Ray runs it again."""
    pytest.importorskip("ray")
    marks = tmp_path / "marks"
    marks.mkdir()
    monkeypatch.setenv("SYNTHRM_FAULT_KILL_ONCE", f"{marks}:2")
    out = tmp_path / "ray"
    generate(_cfg(), out, progress=False, executor="ray", ray_local_workers=2, max_retries=2)
    assert (marks / "shard-2").exists()  # the worker did die once
    assert_same_samples(local_run, out, n=4)


def test_validate_reports_a_truncated_shard_and_generate_repairs_only_it(local_run, tmp_path):
    import shutil

    out = tmp_path / "ds"
    shutil.copytree(local_run, out)
    shards = sorted((out / "shards").glob("*.h5"))
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in shards}
    victim = shards[1]
    victim.write_bytes(victim.read_bytes()[: victim.stat().st_size // 2])
    rep = validate_dataset(out)
    assert not rep.ok and rep.bad_shards == [f"shards/{victim.name}"]
    assert any(victim.name in p and "SHA-256" in p for p in rep.problems)
    assert main(["validate", str(out)]) == 1
    generate(_cfg(), out, progress=False)  # the same settings
    rep = validate_dataset(out)
    assert rep.ok, rep.text()
    assert main(["validate", str(out)]) == 0
    for p in shards:
        if p != victim:  # healthy shards untouched
            assert (p.stat().st_mtime_ns, p.read_bytes()) == before[p.name]
    assert_same_samples(local_run, out, n=4)


def test_validate_finds_missing_duplicate_orphan_and_incomplete(local_run, tmp_path):
    import shutil

    out = tmp_path / "ds"
    shutil.copytree(local_run, out)
    idx = read_index(out)
    idx["shards"][2]["samples"].append(idx["shards"][0]["samples"][0])  # duplicate, absent there
    os.remove(out / idx["shards"][3]["file"])  # missing shard -> missing frame
    (out / "shards" / "shard-00099.h5").write_bytes(b"stray")
    (out / "shards" / "shard-00007.h5.tmp").write_bytes(b"half")
    (out / "index.json").write_text(json.dumps(idx))
    rep = validate_dataset(out)
    text = rep.text()
    assert "duplicate" in text and "listed in index.json but missing" in text and "does not list" in text
    assert "interrupted run" in text and rep.missing_frames == [3]
    assert "rerun the same `synthrm generate`" in text
    (out / "index.json").write_text("{ not json")
    assert "corrupt JSON" in validate_dataset(out).text()


def test_ray_flags_are_checked(tmp_path):
    assert main(["generate", "--frames", "1", "--ray-local", "2", "--ray-address", "auto",
                 "--out", str(tmp_path / "x"), "--quiet"]) == 2
    assert main(["generate", "--preset", "indoor-apartment", "--ray-local", "2",
                 "--out", str(tmp_path / "y"), "--quiet"]) == 2
