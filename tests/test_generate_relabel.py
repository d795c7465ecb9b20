"""``synthrm relabel``: exact reproduction, only radio arrays change, resume, schemas 2 and 3, errors."""
import json
import shutil

import h5py
import numpy as np
import pytest

from synthrm.cli import main
from synthrm.dataset.hdf5 import list_samples, read_index, read_sample
from synthrm.dataset.validate import validate_dataset
from synthrm.generate.relabel import RADIO_ARRAYS, RADIO_ATTRS, SampleRelabeller, relabel

from conftest import tiny_config


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    from synthrm.generate import generate

    root = tmp_path_factory.mktemp("relabel_src")
    cfg = tiny_config(seed=11, frames=2, shard_size=1, radio={"samples_per_tx": 200000})
    generate(cfg, root, progress=False)
    return root


def _arrays(root):
    return {sid: read_sample(root, sid) for _, sid in list_samples(root)}


def _same_bytes(a, b) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def test_relabel_with_the_same_settings_reproduces_generate_exactly(source, tmp_path):
    out = tmp_path / "same"
    r = relabel(source, out, progress=False)
    assert r["samples"] == 2 and not r["new_transmitters"]
    a, b = _arrays(source), _arrays(out)
    assert list(a) == list(b)
    for sid in a:
        keys = set(a[sid]) - {"attrs", "file_attrs"}
        assert keys == set(b[sid]) - {"attrs", "file_attrs"}
        for k in keys:
            assert _same_bytes(a[sid][k], b[sid][k]), (sid, k)
        assert a[sid]["attrs"] == b[sid]["attrs"]
    assert validate_dataset(out).ok
    assert read_index(out)["relabelled_from"]["path"] == str(source.resolve())
    # the scenes are copied byte for byte
    for p in (source / "scenes").rglob("*"):
        if p.is_file():
            assert (out / p.relative_to(source)).read_bytes() == p.read_bytes()


def test_other_settings_change_only_the_radio_arrays(source, tmp_path):
    out = tmp_path / "more"
    assert main(["relabel", str(source), "--out", str(out), "--samples-per-tx", "400000", "--set", "radio.max_rings=1",
                 "--set", "radio.fill=false", "--quiet"]) == 0
    a, b = _arrays(source), _arrays(out)
    for sid in a:
        for k in set(a[sid]) - {"attrs", "file_attrs"}:
            same = _same_bytes(a[sid][k], b[sid][k])
            if k in RADIO_ARRAYS and k.startswith(("path_gain", "sinr", "vas_path")):
                assert not same, (sid, k)  # the labels changed
            elif k not in RADIO_ARRAYS or k.startswith(("tx_", "antenna", "vas_vert", "vas_faces")):
                assert same, (sid, k)  # images, G-buffers, poses, transmitters, VAS: untouched
        other = {k: v for k, v in a[sid]["attrs"].items() if k not in RADIO_ATTRS}
        assert other == {k: v for k, v in b[sid]["attrs"].items() if k not in RADIO_ATTRS}
        assert b[sid]["attrs"]["samples_per_tx"] == 400000 and b[sid]["attrs"]["max_rings"] == 1
        assert not b[sid]["attrs"]["fill"]
    cfg = read_index(out)["config"]["radio"]
    assert cfg["samples_per_tx"] == 400000 and cfg["max_rings"] == 1 and cfg["fill"] is False
    assert validate_dataset(out).ok


def test_new_transmitter_settings_draw_new_transmitters(source, tmp_path):
    out = tmp_path / "tx3"
    r = relabel(source, out, radio={"tx_per_frame": 3}, progress=False)
    assert r["new_transmitters"]
    for sid, s in _arrays(out).items():
        assert s["tx_position"].shape == (3, 3) and s["path_gain_db"].shape[0] == 3
        assert _same_bytes(s["rgb"], read_sample(source, sid)["rgb"])
    assert validate_dataset(out).ok


def test_an_interrupted_relabel_resumes(source, tmp_path, monkeypatch):
    ref = tmp_path / "ref"
    relabel(source, ref, radio={"samples_per_tx": 300000}, progress=False)
    out = tmp_path / "cut"
    real = SampleRelabeller.frame
    calls = {"n": 0}

    def dies_on_second(self, sample):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(self, sample)

    monkeypatch.setattr(SampleRelabeller, "frame", dies_on_second)
    with pytest.raises(KeyboardInterrupt):
        relabel(source, out, radio={"samples_per_tx": 300000}, progress=False)
    monkeypatch.setattr(SampleRelabeller, "frame", real)
    done = read_index(out)["shards"]
    assert len(done) == 1 and not list((out / "shards").glob("*.tmp"))  # one complete shard, nothing half-written
    kept = (out / done[0]["file"]).stat().st_mtime_ns
    r = relabel(source, out, radio={"samples_per_tx": 300000}, progress=False)
    assert r["samples"] == 1 and r["skipped_shards"] == 1
    assert (out / done[0]["file"]).stat().st_mtime_ns == kept
    a, b = _arrays(ref), _arrays(out)
    for sid in a:
        for k in set(a[sid]) - {"attrs", "file_attrs"}:
            assert _same_bytes(a[sid][k], b[sid][k]), (sid, k)
    # another setting on the same folder is refused
    with pytest.raises(Exception, match="other settings"):
        relabel(source, out, radio={"samples_per_tx": 500000}, progress=False)


#: Radio settings and sample attributes schema 4 added (labels with diffraction).
V4_RADIO = ("exact_diffraction", "multi_edge", "diffraction_patch_m", "diffraction_proxies",
            "diffraction_samples_per_src", "diffraction_scouts", "diffraction_neighbours", "diffraction_max_chains")
V4_ATTRS = ("exact_diffraction", "multi_edge", "diffraction_stats", "mechanism_fraction")


def _downgrade(source, old, schema: int):
    """A copy of ``source`` as an older schema wrote it (3: no mechanism, no diffraction
    settings; 2: also no provenance, no standard error, ``min_hit_faces``)."""
    from synthrm.dataset.hdf5 import sha256

    shutil.copytree(source, old)
    idx = json.loads((old / "index.json").read_text())
    idx["schema_version"] = schema
    r = idx["config"]["radio"]
    for k in V4_RADIO:
        r.pop(k)
    if schema == 2:
        for k in ("max_samples_per_tx", "max_rays_per_frame", "target_ray_share", "exact_los", "min_rays", "fill",
                  "fill_max_rings", "fill_exact_receivers", "fill_exact_depth"):
            r.pop(k)
        r["min_hit_faces"] = 4
    for s in idx["shards"]:
        with h5py.File(old / s["file"], "a") as f:
            for sid in s["samples"]:
                g = f["samples"][sid]
                del g["path_gain_mechanism"]
                src = np.minimum(g["path_gain_source"][()], 4)  # schema 3 knew provenance 0-4
                del g["path_gain_source"]
                g.create_dataset("path_gain_source", data=src)
                for k in V4_ATTRS:
                    del g.attrs[k]
                if schema == 2:
                    del g["path_gain_source"], g["path_gain_std_db"]
                    for k in ("rays_per_tx", "radio_backend", "min_rays", "fill", "fill_faces",
                              "samples_per_tx_setting"):
                        del g.attrs[k]
                    g.attrs["min_hit_faces"] = 4
        s["sha256"] = sha256(old / s["file"])
    (old / "index.json").write_text(json.dumps(idx))


@pytest.mark.parametrize("schema", [2, 3])
def test_relabel_upgrades_an_older_schema(source, tmp_path, schema):
    """A schema-2 or -3 dataset validates as what it is and relabels into the current labels:
    provenance, standard error and dominant mechanism on every labelled pixel."""
    from synthrm.dataset.hdf5 import SCHEMA_VERSION

    old = tmp_path / f"v{schema}"
    _downgrade(source, old, schema)
    assert validate_dataset(old).ok  # an older schema needs none of the newer arrays
    out = tmp_path / "new"
    relabel(old, out, progress=False)
    s = read_sample(out, list_samples(out)[0][1])
    assert "min_hit_faces" not in s["attrs"] and s["attrs"]["min_rays"] == 2 and s["attrs"]["exact_diffraction"]
    lab = np.isfinite(s["path_gain_db"])
    assert ((s["path_gain_source"] > 0) == lab).all() and ((s["path_gain_mechanism"] > 0) == lab).all()
    assert read_index(out)["schema_version"] == SCHEMA_VERSION == 4 and validate_dataset(out).ok


@pytest.mark.parametrize("args, msg", [
    (["relabel", "MISSING", "--out", "OUT"], "not a synthrm dataset"),
    (["relabel", "SRC", "--out", "OUT", "--samples-per-tx", "0"], "radio.samples_per_tx"),
    (["relabel", "SRC", "--out", "SRC"], "must differ"),
    (["relabel", "SRC", "--out", "OUT", "--tx-per-frame", "0"], "radio.tx_per_frame"),
    (["relabel", "SRC", "--out", "OUT", "--set", "radio.max_rings=-1"], "radio.max_rings"),
])
def test_bad_relabel_input_is_a_one_line_error(source, tmp_path, capsys, args, msg):
    args = [str(source) if a == "SRC" else str(tmp_path / a) if a in ("MISSING", "OUT") else a for a in args]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert msg in err and len(err.splitlines()) == 1
    assert not (tmp_path / "OUT" / "shards").exists()


def test_validate_checks_provenance_and_std(source, tmp_path):
    from synthrm.dataset.hdf5 import sha256

    bad = tmp_path / "bad"
    shutil.copytree(source, bad)
    idx = json.loads((bad / "index.json").read_text())
    s = idx["shards"][0]
    with h5py.File(bad / s["file"], "a") as f:
        g = f["samples"][s["samples"][0]]
        src = g["path_gain_source"][()]
        src[np.isfinite(g["path_gain_db"][()])] = 0  # labels without a provenance
        del g["path_gain_source"]
        g.create_dataset("path_gain_source", data=src)
    s["sha256"] = sha256(bad / s["file"])
    (bad / "index.json").write_text(json.dumps(idx))
    rep = validate_dataset(bad)
    assert not rep.ok and any("path_gain_source is 0 on" in p for p in rep.problems)
    with h5py.File(bad / s["file"], "a") as f:
        del f["samples"][s["samples"][0]]["path_gain_std_db"]
    s["sha256"] = sha256(bad / s["file"])
    (bad / "index.json").write_text(json.dumps(idx))
    assert any("misses the array 'path_gain_std_db'" in p for p in validate_dataset(bad).problems)


def test_validate_checks_the_mechanism(source, tmp_path):
    """Schema 4: every labelled pixel names its dominant mechanism, no unlabelled one does,
    and the codes are known ones."""
    from synthrm.dataset.hdf5 import sha256

    bad = tmp_path / "bad_mech"
    shutil.copytree(source, bad)
    idx = json.loads((bad / "index.json").read_text())
    s = idx["shards"][0]
    with h5py.File(bad / s["file"], "a") as f:
        g = f["samples"][s["samples"][0]]
        mech = g["path_gain_mechanism"][()]
        mech[~np.isfinite(g["path_gain_db"][()])] = 2
        mech.flat[np.flatnonzero(np.isfinite(g["path_gain_db"][()]))[0]] = 9
        del g["path_gain_mechanism"]
        g.create_dataset("path_gain_mechanism", data=mech)
    s["sha256"] = sha256(bad / s["file"])
    (bad / "index.json").write_text(json.dumps(idx))
    problems = validate_dataset(bad).problems
    assert any("path_gain_mechanism is 0 on" in p for p in problems)
    assert any("path_gain_mechanism holds code 9" in p for p in problems)
