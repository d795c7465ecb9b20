import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from synthrm.cli import main
from synthrm.dataset.hdf5 import list_samples, read_index, read_sample

from conftest import assert_same_samples
from synthrm.generate import RGBStage, generate

from conftest import tiny_config

TINY = ["--resolution", "64x48", "--frames", "2", "--quiet", "--samples-per-tx", "100000", "--tx-per-frame", "2"]


def _yaml(tmp_path, **extra):
    import yaml

    d = {"preset": "city-margin", "shard_size": 1, "frames_per_scene": 2,
         "city": {"blocks_x": 2, "blocks_y": 2, "block_size_m": [50, 70], "outskirts_m": 200.0},
         "render": {"spp": 2}, "radio": {"samples_per_tx": 100000, "tx_per_frame": 2}, **extra}
    p = tmp_path / "c.yaml"
    p.write_text(yaml.safe_dump(d))
    return p


@pytest.mark.parametrize("args, msg", [
    (["--preset", "city-nowhere"], "unknown preset 'city-nowhere'"),
    (["--resolution", "0x48"], "width and height must be > 0"),
    (["--resolution=-64x48"], "width and height must be > 0"),
    (["--resolution", "big"], "expected WIDTHxHEIGHT"),
    (["--config", "/nonexistent/c.yaml"], "cannot read config file"),
])
def test_bad_input_is_one_line_error_and_writes_nothing(args, msg, tmp_path, capsys):
    out = tmp_path / "out"
    rc = main(["generate", "--out", str(out), "--frames", "1", "--quiet", *args])
    err = capsys.readouterr().err.strip()
    assert rc != 0 and msg in err and len(err.splitlines()) == 1
    assert not out.exists()


@pytest.mark.slow
def test_pose_that_cannot_be_placed(tmp_path, capsys):
    # a UAV high above a low district looking 30-40 degrees up sees only sky
    cfg = _yaml(tmp_path, camera={"uav_pitch_deg": [-40, -30], "uav_altitude_m": [100, 120],
                                  "max_attempts": 3, "resolution": [32, 24]})
    out = tmp_path / "out"
    rc = main(["generate", "--config", str(cfg), "--out", str(out), "--frames", "1", "--quiet"])
    err = capsys.readouterr().err.strip()
    assert rc != 0 and len(err.splitlines()) == 1
    assert "could not place a uav camera in 3 attempts" in err and "sees almost nothing" in err
    assert not out.exists()  # a refused first shard leaves no folder (no empty index.json)


@pytest.mark.slow
def test_generate_then_show(tmp_path, capsys):
    cfg = _yaml(tmp_path)
    out = tmp_path / "ds"
    assert main(["generate", "--config", str(cfg), "--out", str(out), *TINY]) == 0
    assert "wrote 2 samples" in capsys.readouterr().out
    png = tmp_path / "fig.png"
    assert main(["show", str(out), "--sample", "000001", "--out", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    ply = tmp_path / "radio.ply"
    assert main(["export-ply", str(out), "--sample", "000001", "--tx", "1", "--out", str(ply)]) == 0
    from synthrm.radio.export import read_radio_ply

    m, s = read_radio_ply(ply), read_sample(out, "000001")
    assert np.array_equal(m["faces"], s["vas_faces"]) and np.allclose(m["vertices"], s["vas_vertices"])
    assert np.array_equal(m["path_gain_db"], s["vas_path_gain_db"][1], equal_nan=True)
    assert (m["face_rgb"][np.isnan(m["path_gain_db"])] == 128).all()
    assert main(["export-ply", str(out), "--tx", "5", "--out", str(ply)]) == 2
    assert "transmitters 0..1" in capsys.readouterr().err
    # rerun: everything complete, nothing regenerated
    assert main(["generate", "--config", str(cfg), "--out", str(out), *TINY]) == 0
    assert "already complete" in capsys.readouterr().out
    # same folder, other settings: refused
    rc = main(["generate", "--config", str(cfg), "--out", str(out), "--seed", "3", *TINY])
    assert rc != 0 and "different config" in capsys.readouterr().err


@pytest.mark.slow
def test_interrupted_run_resumes_to_the_same_dataset(tmp_path, monkeypatch):
    cfg = tiny_config(frames=4, shard_size=2, seed=11)
    ref = tmp_path / "ref"
    generate(cfg, ref, progress=False)

    calls = {"n": 0}
    real = RGBStage.__call__

    def dying(self, fr):
        calls["n"] += 1
        if calls["n"] == 3:  # first frame of the second shard
            raise KeyboardInterrupt
        return real(self, fr)

    out = tmp_path / "cut"
    monkeypatch.setattr(RGBStage, "__call__", dying)
    with pytest.raises(KeyboardInterrupt):
        generate(cfg, out, progress=False)
    monkeypatch.setattr(RGBStage, "__call__", real)
    assert [s for _, s in list_samples(out)] == ["000000", "000001"]
    assert not list((out / "shards").glob("*.tmp"))
    generate(cfg, out, progress=False)
    _assert_same(ref, out)


@pytest.mark.slow
def test_more_frames_extend_a_run_to_the_dataset_made_at_once(tiny_dataset, tmp_path, capsys):
    """A run made with fewer frames and rerun with more keeps its complete shards, makes its
    short last shard again at full size and adds the rest: the same samples as the 3-frame
    dataset made in one go (shards are seeded by index). Fewer frames are refused."""
    from synthrm.errors import DatasetError

    ref, cfg = tiny_dataset  # 3 frames, 2 a shard, seed 7
    out = tmp_path / "grown"
    generate(tiny_config(seed=7, frames=1), out, progress=False)
    assert [len(s["samples"]) for s in read_index(out)["shards"]] == [1]
    logs = []
    generate(cfg, out, progress=False, log=logs.append)
    assert any("extending" in m and "frames 1 -> 3" in m for m in logs), logs
    assert read_index(out)["config"]["frames"] == 3
    assert [len(s["samples"]) for s in read_index(out)["shards"]] == [2, 1]
    assert_same_samples(ref, out, n=3)
    with pytest.raises(DatasetError, match="different config"):
        generate(tiny_config(seed=7, frames=2), out, progress=False)
    with pytest.raises(DatasetError, match="different config"):  # more frames and another setting
        generate(tiny_config(seed=7, frames=4, shard_size=1), out, progress=False)


@pytest.mark.slow
def test_killed_process_resumes(tmp_path):
    """SIGKILL mid-run (no cleanup at all), then the same command completes the dataset."""
    cfg = _yaml(tmp_path)
    ref, out = tmp_path / "ref", tmp_path / "killed"
    args = ["--config", str(cfg), "--resolution", "64x48", "--frames", "4", "--quiet"]
    assert main(["generate", "--out", str(ref), *args]) == 0
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    p = subprocess.Popen([sys.executable, "-m", "synthrm.cli", "generate", "--out", str(out), *args], env=env)
    deadline = time.time() + 240
    while time.time() < deadline and not (out / "shards" / "shard-00001.h5").exists():
        time.sleep(0.05)
    p.send_signal(signal.SIGKILL)
    p.wait()
    done = read_index(out)["shards"]
    assert 1 <= len(done) <= 4  # killed somewhere after the second shard appeared
    assert main(["generate", "--out", str(out), *args]) == 0
    _assert_same(ref, out)
    from synthrm.dataset.validate import validate_dataset

    rep = validate_dataset(out)
    assert rep.ok, rep.text()


def _assert_same(a: Path, b: Path):
    assert_same_samples(a, b, n=4)


# ----------------------------------------------------------------------------- --set and the shortcut flags

def _show(args, capsys) -> tuple[int, str, str]:
    rc = main(["config", "show", *args])
    out, err = capsys.readouterr()
    return rc, out, err.strip()


def test_set_overrides_any_key_through_the_config_checks(capsys):
    import yaml

    rc, out, _ = _show(["--set", "radio.max_depth=10", "--set", "camera.resolution=[128,96]", "--set",
                        "city.district=downtown", "--set", "radio.samples_per_tx=auto", "--frames", "3"], capsys)
    cfg = yaml.safe_load(out)
    assert rc == 0 and cfg["radio"]["max_depth"] == 10 and cfg["camera"]["resolution"] == [128, 96]
    assert cfg["city"]["district"] == "downtown" and cfg["frames"] == 3
    # --set wins over a shortcut flag of the same key
    rc, out, _ = _show(["--resolution", "64x48", "--set", "camera.resolution=[32,24]"], capsys)
    assert yaml.safe_load(out)["camera"]["resolution"] == [32, 24]


@pytest.mark.parametrize("args, msg", [
    (["--set", "radio.max_dept=10"], "unknown config key 'radio.max_dept'; did you mean 'max_depth'?"),
    (["--set", "radoi.max_depth=10"], "unknown config key 'radoi'; did you mean 'radio'?"),
    (["--set", "radio.max_depth=99"], "radio.max_depth: must be an integer in [0, 50], got 99"),
    (["--set", "radio.max_depth"], "--set: expected KEY=VALUE"),
    (["--frames", "many"], "--frames: expected an integer, got 'many'"),
    (["--samples-per-tx", "lots"], "--samples-per-tx: expected an integer"),
    (["--preset", "indoor-apartment", "--frames", "3"], "frames: only for the city presets"),
])
def test_bad_settings_are_one_line_errors(args, msg, capsys):
    rc, _, err = _show(args, capsys)
    assert rc == 2 and msg in err and len(err.splitlines()) == 1


def test_generate_with_a_bad_set_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["generate", "--out", str(out), "--set", "vas.cel=pixel", "--quiet"]) == 2
    assert "did you mean 'cell'" in capsys.readouterr().err and not out.exists()


def test_indoor_configs_load_from_yaml_and_take_set(tmp_path, capsys):
    import yaml

    p = tmp_path / "indoor.yaml"
    p.write_text("preset: indoor-apartment\nscenes: 3\nradio: {max_depth: 4}\nscan: {headings: 2}\n")
    rc, out, _ = _show(["--config", str(p), "--set", "tx_per_scene=2", "--voxel-size", "0.2"], capsys)
    cfg = yaml.safe_load(out)
    assert rc == 0 and cfg["preset"] == "indoor-apartment" and cfg["scenes"] == 3 and cfg["tx_per_scene"] == 2
    assert cfg["radio"]["max_depth"] == 4 and cfg["radio"]["samples_per_tx"] == 1000000  # indoor's own default
    assert cfg["scan"]["headings"] == 2 and cfg["voxel_size_m"] == 0.2


def test_orchestrate_and_relabel_check_their_settings_before_any_work(tmp_path, capsys):
    out = tmp_path / "plan" / "plan.json"
    assert main(["orchestrate", "--scene", "city-mix", "--set", "orchestrate.k=0", "--out", str(out), "--quiet"]) == 2
    assert "k: must be an integer >= 1" in capsys.readouterr().err
    assert main(["orchestrate", "--scene", "city-mix", "--set", "orchestrate.tracks=1", "--out", str(out)]) == 2
    assert "unknown config key 'orchestrate.tracks'" in capsys.readouterr().err
    assert not (tmp_path / "plan" / "scenes").exists()
    assert main(["relabel", str(tmp_path), "--out", str(tmp_path / "r"), "--set", "camera.resolution=[8,8]"]) == 2
    assert "relabel recomputes the radio labels only" in capsys.readouterr().err


def test_train_flags_are_the_fields_of_train_config():
    import dataclasses

    from synthrm.cli import build_parser
    from synthrm.models.config import TrainConfig

    fields = [f.name for f in dataclasses.fields(TrainConfig) if f.name != "model"]
    argv = ["train", "--model", "pmnet-s", "--data", "d", "--out", "o"]
    for name in fields:
        argv += ["--" + name.replace("_", "-"), f"v-{name}"]
    args = vars(build_parser().parse_args(argv))
    assert args["model"] == "pmnet-s" and all(args[name] == f"v-{name}" for name in fields)


# ----------------------------------------------------------------------------- argparse, leftovers, --quiet

@pytest.mark.parametrize("argv, usage, msg", [
    (["generate", "--num-frames", "3"], "usage: synthrm generate", "unrecognized arguments: --num-frames 3 (did you "
                                                                    "mean --frames?)"),
    (["generate", "--frame", "3"], "usage: synthrm generate", "--frame 3 (did you mean --frames?)"),
    (["config", "show", "--resol", "8x8"], "usage: synthrm config show", "--resol 8x8 (did you mean --resolution?)"),
    (["train", "--model", "pmnet-s", "--data", "d", "--epoch", "2"], "usage: synthrm train", "did you mean --epochs?"),
    (["validate", "d", "--quite"], "usage: synthrm validate", "unrecognized arguments: --quite"),
])
def test_flags_are_never_abbreviated_and_a_wrong_one_shows_its_commands_usage(argv, usage, msg, tmp_path, capsys):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as e:
        main([*argv, "--out", str(out)] if argv[0] in ("generate", "train") else argv)
    err = capsys.readouterr().err
    assert e.value.code == 2 and err.startswith(usage) and msg in err.splitlines()[-1], err
    assert not out.exists()


def test_no_parser_takes_abbreviations():
    """Every (sub-)command of the CLI and every benchmark's parser has abbreviations off."""
    import argparse
    import ast

    from synthrm.cli import build_parser

    def parsers(p):
        yield p
        for a in p._actions:
            if isinstance(a, argparse._SubParsersAction):
                for sp in a.choices.values():
                    yield from parsers(sp)

    found = list(parsers(build_parser()))
    assert len(found) > 15 and not any(p.allow_abbrev for p in found)
    root = Path(__file__).resolve().parents[1]
    calls = 0
    for f in [*root.glob("benchmarks/*.py"), *root.glob("scripts/*.py"), *root.glob("src/synthrm/**/*.py")]:
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == \
                    "ArgumentParser":
                calls += 1
                kw = {k.arg: k.value for k in node.keywords}
                assert "allow_abbrev" in kw and kw["allow_abbrev"].value is False, f"{f.name}: ArgumentParser " \
                                                                                  "without allow_abbrev=False"
    assert calls >= 9  # the benchmarks


def test_ray_address_without_a_cluster_is_refused_leaving_nothing(tmp_path):
    """``--ray-address auto`` with no cluster: the one-line error, exit 2, and no folder
    (it used to leave an empty index.json that `validate` then reported as incomplete).
    A real process, with Ray's session folder private to the test (no cluster to find)."""
    out = tmp_path / "big"
    env = dict(os.environ, RAY_TMPDIR=str(tmp_path / "ray"))
    env.pop("RAY_ADDRESS", None)
    p = subprocess.run([sys.executable, "-m", "synthrm.cli", "generate", "--preset", "city-mix", "--frames", "2",
                        "--ray-address", "auto", "--out", str(out), "--quiet"], env=env, capture_output=True,
                       text=True, timeout=300)
    lines = p.stderr.strip().splitlines()
    assert p.returncode == 2 and len(lines) == 1, p.stderr
    assert "--ray-address auto: no Ray cluster there" in lines[0] and "ray start --head" in lines[0]
    assert not out.exists()


def test_failed_outputs_are_removed_with_the_folders_made_for_them(tmp_path):
    """``new_output``: a block that raises removes what it made at the path and the
    folders made above it; what existed stays; ``keep`` spares finished work."""
    from synthrm.files import new_output

    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "f").write_text("x")
    for target in (tmp_path / "a" / "b" / "fig.png", tmp_path / "old" / "new", tmp_path / "old"):
        with pytest.raises(RuntimeError), new_output(target):
            target.parent.mkdir(parents=True, exist_ok=True)
            (target if target.suffix else target / "x").parent.mkdir(parents=True, exist_ok=True)
            (target if target.suffix else target / "x").write_text("half")
            raise RuntimeError
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["f", "old", "x"]  # old/x: old existed before
    with pytest.raises(RuntimeError), new_output(tmp_path / "kept", keep=lambda p: True):
        (tmp_path / "kept").mkdir()
        raise RuntimeError
    assert (tmp_path / "kept").is_dir()


@pytest.mark.slow
def test_quiet_prints_warnings_only(tmp_path, capsys):
    """``--quiet``: no progress bar, no progressive-pass notes (the frames did take extra
    passes: their rays per Tx exceed the first pass), only warnings."""
    from synthrm.generate.run import warnings_only

    out = tmp_path / "ds"
    assert main(["generate", "--config", str(_yaml(tmp_path)), "--out", str(out), *TINY,
                 "--set", "radio.max_samples_per_tx=3200000", "--set", "radio.samples_per_tx=50000"]) == 0
    err = capsys.readouterr().err
    rays = [r for _, sid in list_samples(out) for r in read_sample(out, sid, [])["attrs"]["rays_per_tx"]]
    assert max(rays) > 50000, rays  # progressive passes ran
    assert err == "", err
    got = []
    note = warnings_only(got.append)
    note("frame 000001: progressive pass 1: Tx [0] +2e+05 rays each")
    note("warning: frame 000002 skipped: no transmitter reaches a visible face")
    assert got == ["warning: frame 000002 skipped: no transmitter reaches a visible face"]


def test_a_missing_plan_points_to_synthrm_orchestrate(tmp_path, capsys):
    plan = tmp_path / "plan" / "plan.json"
    assert main(["generate", "--plan", str(plan), "--out", str(tmp_path / "ds"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"make one with `synthrm orchestrate --scene PRESET --out {plan}`" in err
    assert not (tmp_path / "ds").exists()
