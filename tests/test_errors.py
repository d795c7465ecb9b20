"""Bad input gets a clear, named error and never a silent corruption.

The fuzz tests (hypothesis, bounded examples and time) feed the config and scene loaders
random input: every outcome must be a valid object or a synthrm error naming the
problem. Cases they found are kept as explicit regression examples.
"""
from __future__ import annotations

import dataclasses
import errno
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from synthrm.config import GenerateConfig, load_config, make_config
from synthrm.errors import ConfigError, DatasetError, SceneError, SynthrmError
from synthrm.scene.writer import check_mesh, read_ply, read_scene_info, write_ply, write_scene

from conftest import tiny_config

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _field_names(cls, out=None):
    """Every field name of a config dataclass and its nested sections."""
    import typing

    out = set() if out is None else out
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        out.add(f.name)
        if dataclasses.is_dataclass(hints[f.name]):
            _field_names(hints[f.name], out)
    return out


KEYS = sorted(_field_names(GenerateConfig)) + ["nonsense", "spp ", "Frames"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10 ** 12, 10 ** 12),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8),
                    st.lists(st.one_of(st.floats(), st.integers(), st.text(max_size=3)), max_size=4))
values = st.recursive(scalars, lambda c: st.dictionaries(st.sampled_from(KEYS), c, max_size=4), max_leaves=12)
overrides = st.dictionaries(st.sampled_from(KEYS), values, max_size=5)


@FUZZ
@given(overrides)
@example({"city": {"block_size_m": ["a", "b"]}})  # float("a") used to escape as a bare ValueError
@example({"camera": {"resolution": [64.5, 48]}})
@example({"render": {"spp": 1e400}})
@example({"variations": {"time_of_day_h": [25, 3]}})
@example({"radio": {"tx_positions_m": "here"}})
def test_fuzz_config_overrides(over):
    try:
        cfg = make_config("city-mix", over)
    except ConfigError as e:
        assert str(e)  # a message naming the key or value
    else:
        assert isinstance(cfg, GenerateConfig)


@FUZZ
@given(st.text(max_size=200))
@example("camera: [1, 2")
@example("- just\n- a list")
@example("city: {district: suburb}")
def test_fuzz_yaml_config_file(tmp_path_factory, text):
    p = tmp_path_factory.mktemp("y") / "c.yaml"
    p.write_text(text)
    try:
        cfg = load_config(p)
    except ConfigError as e:
        assert str(p) in str(e)  # names the file
    else:
        assert isinstance(cfg, GenerateConfig)


@FUZZ
@given(st.binary(max_size=400))
@example(b"ply\nformat binary_little_endian 1.0\nelement vertex 3\nproperty float x\nend_header\n")
@example(b"ply\nelement vertex -5\nelement face 2\nend_header\n")
def test_fuzz_ply_reader(tmp_path_factory, data):
    p = tmp_path_factory.mktemp("p") / "m.ply"
    p.write_bytes(data)
    try:
        v, f = read_ply(p)
    except DatasetError as e:
        assert str(p) in str(e)
    else:
        assert v.ndim == 2 and f.ndim == 2


@FUZZ
@given(st.one_of(st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
                 st.dictionaries(st.sampled_from(["buildings", "streets", "extent_m", "x"]),
                                 st.one_of(st.integers(), st.lists(st.integers(), max_size=3), st.text(max_size=3)))
                 .map(json.dumps)))
@example('{"buildings": [{"footprint": [[0, 0]]}], "streets": [], "extent_m": [0, 0, 1, 1]}')
def test_fuzz_scene_folder_json(tmp_path_factory, text):
    from synthrm.scene.layout import Layout

    d = tmp_path_factory.mktemp("s")
    (d / "scene.json").write_text(text)
    (d / "footprints.json").write_text(text)
    for load in (read_scene_info, Layout.load):
        try:
            load(d)
        except DatasetError as e:
            assert str(d) in str(e)
        except SynthrmError:
            pass


@FUZZ
@given(st.integers(1, 12).flatmap(lambda n: st.tuples(
    st.lists(st.tuples(*[st.one_of(st.floats(-1e3, 1e3), st.sampled_from([np.nan, np.inf, -np.inf]))] * 3),
             min_size=n, max_size=n),
    st.lists(st.tuples(*[st.integers(-1, n)] * 3), min_size=1, max_size=8))))
def test_fuzz_mesh_check(mesh):
    v, f = np.asarray(mesh[0], float), np.asarray(mesh[1], np.int64)
    try:
        check_mesh("fuzz", v, f)
    except SceneError as e:
        assert str(e).startswith("fuzz:")


# --------------------------------------------------------------------------- named cases
def test_bad_meshes_are_named():
    v = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0]], float)
    with pytest.raises(SceneError, match="wall.*NaN or infinite"):
        check_mesh("wall", np.where(np.arange(4)[:, None] == 2, np.nan, v), [[0, 1, 2]])
    with pytest.raises(SceneError, match="degenerate"):
        check_mesh("wall", v, [[0, 1, 1]])
    with pytest.raises(SceneError, match="non-manifold"):
        vv = np.vstack([v, [[0.5, 0.0, 1.0], [0.5, 0.0, -1.0]]])
        check_mesh("wall", vv, [[0, 1, 2], [0, 1, 4], [1, 0, 5]])
    with pytest.raises(SceneError, match="out of range|integers in"):
        check_mesh("wall", v, [[0, 1, 7]])
    check_mesh("wall", v, [[0, 1, 2], [1, 3, 2]])  # a valid quad


def test_empty_scene_and_unknown_material_are_errors(tmp_path):
    with pytest.raises(SceneError, match="no surfaces"):
        write_scene(tmp_path / "e", {})
    v = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], float)
    with pytest.raises(SceneError, match="unknown semantic class 'lava'"):
        write_scene(tmp_path / "x", {"a": (v, np.array([[0, 1, 2]]))}, shape_info={"a": {"semantic": "lava"}})


def test_scene_xml_with_missing_ply_or_unknown_material(tmp_path):
    from synthrm.radio.radio_map_solver import VASRadioSolver

    v = np.array([[0, 0, 0], [10, 0, 0], [0, 10, 0]], float)
    d = write_scene(tmp_path / "s", {"ground": (v, np.array([[0, 1, 2]]))})
    xml = (d / "scene.xml").read_text()
    (d / "meshes" / "radio_very_dry_ground.ply").unlink()
    with pytest.raises(DatasetError, match=r"scene.xml: Sionna RT cannot load"):
        VASRadioSolver(d / "scene.xml")
    write_ply(d / "meshes" / "radio_very_dry_ground.ply", v, np.array([[0, 1, 2]]))
    (d / "scene.xml").write_text(xml.replace('value="very_dry_ground"', 'value="unobtainium"'))
    with pytest.raises(DatasetError, match="Sionna RT cannot load.*ITU material"):
        VASRadioSolver(d / "scene.xml")
    # the renderer names a missing or corrupt mesh too
    from synthrm._mitsuba import rgb_scope
    from synthrm.render.renderer import Renderer

    (d / "meshes" / "ground.ply").write_bytes(b"ply\ngarbage")
    with rgb_scope(), pytest.raises(DatasetError, match="ground.ply"):
        Renderer(d)


@pytest.mark.slow
def test_disk_full_mid_write_loses_nothing_written(tmp_path, monkeypatch):
    """ENOSPC while writing the second shard: a named error, no partial shard, the first
    shard and the index intact; the rerun completes the same dataset."""
    import h5py

    from synthrm.dataset.hdf5 import read_index
    from synthrm.dataset.validate import validate_dataset
    from synthrm.generate import generate

    from conftest import assert_same_samples

    cfg = tiny_config(frames=2, shard_size=1, frames_per_scene=2, seed=9, radio={"enabled": False})
    ref = tmp_path / "ref"
    generate(cfg, ref, progress=False)
    out = tmp_path / "full"
    real = h5py.Group.create_dataset
    calls = {"n": 0}

    def create_dataset(self, *a, **kw):
        if self.file.filename.endswith("shard-00001.h5.tmp"):
            calls["n"] += 1
            if calls["n"] == 3:
                raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, *a, **kw)

    monkeypatch.setattr(h5py.Group, "create_dataset", create_dataset)
    with pytest.raises(DatasetError, match=r"shard-00001.h5: writing sample 000001 failed.*No space left"):
        generate(cfg, out, progress=False)
    monkeypatch.undo()
    assert sorted(p.name for p in (out / "shards").iterdir()) == ["shard-00000.h5"]
    assert [s["file"] for s in read_index(out)["shards"]] == ["shards/shard-00000.h5"]
    before = (out / "shards" / "shard-00000.h5").read_bytes()
    generate(cfg, out, progress=False)
    assert (out / "shards" / "shard-00000.h5").read_bytes() == before
    assert validate_dataset(out).ok
    assert_same_samples(ref, out, n=2)


@pytest.mark.slow
def test_truncated_hdf5_is_a_named_error(tmp_path):
    from synthrm.dataset.hdf5 import read_sample
    from synthrm.generate import generate

    cfg = tiny_config(frames=1, seed=9, radio={"enabled": False})
    generate(cfg, tmp_path, progress=False)
    shard = next((tmp_path / "shards").glob("*.h5"))
    shard.write_bytes(shard.read_bytes()[:500])
    with pytest.raises(DatasetError, match=f"{shard.name}: not a readable HDF5 file"):
        read_sample(tmp_path, "000000")
