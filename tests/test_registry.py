"""One registry per extension point: a toy antenna, district, model and export format,
each registered in one place (as ``docs/extending.md`` shows), are taken by the config,
the CLI and the stage that uses them; a missing piece fails when registered or when the
config loads."""
import json
from pathlib import Path

import numpy as np
import pytest

from synthrm.cli import build_parser, main
from synthrm.errors import ConfigError
from synthrm.registry import Registry


@pytest.fixture
def registered():
    """Register entries for one test; unregister them afterwards."""
    added = []

    def add(registry: Registry, name: str, entry):
        registry.register(name, entry)
        added.append((registry, name))
        return entry

    yield add
    for registry, name in added:
        registry.unregister(name)


def test_registry_names_the_choices_and_refuses_duplicates():
    r = Registry("widget")
    r.register("round", 1)
    r.register("square", 2)
    assert r.names() == ("round", "square") and r.get("round") == 1 and "square" in r
    with pytest.raises(ConfigError, match=r"shape: unknown 'rund' \(did you mean 'round'\?\).*round, square"):
        r.get("rund", "shape")
    with pytest.raises(ValueError, match="registered already"):
        r.register("round", 3)


# ----------------------------------------------------------------------------- antenna

def test_toy_antenna_reaches_config_cli_and_the_ray_tracer(registered):
    """A 1x2 isotropic array at half a wavelength: +3 dB broadside over a single element,
    in our pattern model and in Sionna RT's Monte Carlo map."""
    from synthrm.radio.antenna import ANTENNAS, AntennaSpec, gain_dbi, steering_vector
    from synthrm.radio.config import RadioConfig
    from synthrm.radio.physics import friis_path_gain
    from synthrm.radio.radio_map_solver import VASRadioSolver
    from synthrm.radio.transmitters import TxSet
    from synthrm.vas.mesh import VASMesh

    spec = registered(ANTENNAS, "toy-1x2", AntennaSpec(rows=1, cols=2, pattern="iso"))
    assert RadioConfig(antenna="toy-1x2").antenna == "toy-1x2"
    assert build_parser().parse_args(["generate", "--antenna", "toy-1x2", "--out", "x"]).antenna == "toy-1x2"
    f = 3.5e9
    p = steering_vector(spec, f, [1.0, 0.0, 0.0])
    assert gain_dbi(spec, f, (0, 0, 0), p, np.array([[1.0, 0, 0]]))[0] == pytest.approx(10 * np.log10(2), abs=1e-6)
    # a square of receiver faces 40 m broadside (+x), facing the array
    y, z = np.meshgrid(np.linspace(-2, 2, 5), np.linspace(-2, 2, 5))
    v = np.stack([np.full(y.size, 40.0), y.ravel(), z.ravel()], -1).astype(np.float32)
    faces = np.array([[r * 5 + c, r * 5 + c + 1, (r + 1) * 5 + c + 1] for r in range(4) for c in range(4)]
                     + [[r * 5 + c, (r + 1) * 5 + c + 1, (r + 1) * 5 + c] for r in range(4) for c in range(4)], np.int32)
    vas = VASMesh(v, faces, np.zeros((len(v), 2), np.int32), np.full((1, 1), -1, np.int32),
                  np.ones(len(faces), np.int16), 0.0)
    tx = TxSet(positions=np.zeros((1, 3)), orientations=np.zeros((1, 3)), steering=np.array([[1.0, 0, 0]]),
               precoding=p[None], patterns=np.zeros((1, 1), np.float32), antenna="toy-1x2")
    solver = VASRadioSolver(None, RadioConfig(samples_per_tx=4 * 10 ** 6, max_depth=0, antenna="toy-1x2"))
    pg = solver.path_gain(vas, tx)[0]
    d = np.linalg.norm(vas.face_centers, axis=1)
    gain_db = 10 * np.log10(pg[pg > 0] / friis_path_gain(d[pg > 0], f))
    assert (pg > 0).mean() > 0.9
    assert np.median(gain_db) == pytest.approx(10 * np.log10(2), abs=0.5)


def test_an_antenna_with_an_unknown_element_fails_when_registered():
    from synthrm.radio.antenna import AntennaSpec

    with pytest.raises(ValueError, match="element pattern"):
        AntennaSpec(rows=2, cols=2, pattern="dipole-ish")


# ----------------------------------------------------------------------------- district

def test_toy_district_is_a_preset_and_gets_its_appearance(registered):
    from synthrm.config import make_config, preset_names
    from synthrm.scene.appearance import city_scene
    from synthrm.scene.city import generate_city
    from synthrm.scene.districts import DISTRICTS, District, DistrictStyle

    style = DistrictStyle(wall_palette=((0.9, 0.1, 0.1),), window_width=(0.5, 0.6), window_height=(0.5, 0.6),
                          floor_height_m=(3.0, 3.2), bay_width_m=(3.0, 4.0), glass_srgb=(0.2, 0.2, 0.2))
    registered(DISTRICTS, "toy", District(
        layout=dict(height_m=(6.0, 9.0), density=0.5, tower_probability=0.0, street_width_m=(10.0, 12.0),
                    parcel_size_m=(20.0, 30.0)), style=style, description="red, low"))
    assert "city-toy" in preset_names()
    cfg = make_config("city-toy", {"city": {"blocks_x": 1, "blocks_y": 1, "outskirts_m": 50.0}})
    assert cfg.city.district == "toy" and cfg.city.height_m == (6.0, 9.0)
    city = generate_city(cfg.city, 3)
    assert city.buildings and all(6.0 <= b.height_m <= 9.0 for b in city.buildings)
    parts = city_scene(city, textures=True)
    assert parts.surfaces  # the appearance stage found the district's style


def test_a_district_without_appearance_cannot_be_registered_and_unknown_fails_at_load():
    from synthrm.config import make_config
    from synthrm.scene.districts import District

    with pytest.raises(TypeError, match="DistrictStyle"):
        District(layout={"density": 0.5}, style=None)
    with pytest.raises(ConfigError, match="city.district: unknown 'suburb'"):
        make_config("city-mix", {"city": {"district": "suburb"}})


# ----------------------------------------------------------------------------- model

def test_toy_model_trains_through_the_cli(registered, tiny_dataset, tmp_path):
    import torch

    from synthrm.models.config import TrainConfig
    from synthrm.models.registry import MODELS, ModelSpec, outdoor_models
    from synthrm.models.train import build_model

    class Toy(torch.nn.Module):
        """Image + Tx vector -> one map channel: a 1x1 convolution plus a Tx bias."""

        def __init__(self, width=0, in_ch=3, tx_dim=315):
            super().__init__()
            self.conv = torch.nn.Conv2d(in_ch, 1, 1)
            self.tx = torch.nn.Linear(tx_dim, 1)

        def forward(self, img, tx):
            return self.conv(img) + self.tx(tx)[:, :, None, None]

    registered(MODELS, "toy-net", ModelSpec("outdoor", Toy))
    assert "toy-net" in outdoor_models() and TrainConfig(model="toy-net").model == "toy-net"
    assert isinstance(build_model("toy-net", 0, 3, 315), Toy)
    root, _ = tiny_dataset
    out = tmp_path / "run"
    assert main(["train", "--model", "toy-net", "--data", str(root), "--out", str(out), "--epochs", "2",
                 "--batch-size", "2", "--quiet"]) == 0
    log = json.loads((out / "log.json").read_text())
    losses = [e["train_loss"] for e in log]
    assert len(losses) == 2 and all(np.isfinite(losses))


def test_model_spec_checks_its_kind():
    from synthrm.models.registry import ModelSpec

    with pytest.raises(ValueError, match="outdoor or indoor"):
        ModelSpec("underwater", object)


# ----------------------------------------------------------------------------- export format

def test_toy_export_format_through_the_cli(registered, tiny_dataset, tmp_path):
    from synthrm.dataset.hdf5 import list_samples, read_sample
    from synthrm.export import FORMATS, ExportFormat, export_dataset

    def write_poses(root, out):
        out.mkdir(parents=True, exist_ok=True)
        poses = {sid: read_sample(root, sid, ["cam_to_world"])["cam_to_world"].tolist()
                 for _, sid in list_samples(root)}
        p = out / "poses.json"
        p.write_text(json.dumps(poses))
        return p

    registered(FORMATS, "toy-poses", ExportFormat(write_poses, "camera-to-world per sample"))
    root, _ = tiny_dataset
    assert main(["export", str(root), "--format", "toy-poses", "--out", str(tmp_path / "x")]) == 0
    poses = json.loads((tmp_path / "x" / "poses.json").read_text())
    sid = list_samples(root)[0][1]
    assert np.allclose(poses[sid], read_sample(root, sid, ["cam_to_world"])["cam_to_world"])
    with pytest.raises(ConfigError, match="--block: only for --format synthrm-platform, not toy-poses"):
        export_dataset(root, "toy-poses", tmp_path / "y", block=2)


# ----------------------------------------------------------------------------- plugins

TOY_PLUGIN = '''"""A synthrm plugin: one antenna, district, model and export format, found through the
entry-point group synthrm.plugins (no launcher)."""
import json
from pathlib import Path

from synthrm.dataset.hdf5 import list_samples, read_sample
from synthrm.export.registry import register_format
from synthrm.models.registry import register_model
from synthrm.radio.antenna import ANTENNAS, AntennaSpec
from synthrm.scene.districts import DISTRICTS, District, DistrictStyle

ANTENNAS.register("toy-1x2", AntennaSpec(rows=1, cols=2, pattern="iso"))
DISTRICTS.register("toytown", District(
    layout=dict(height_m=(6.0, 9.0), density=0.5, tower_probability=0.0, street_width_m=(10.0, 12.0),
                parcel_size_m=(20.0, 30.0)),
    style=DistrictStyle(wall_palette=((0.9, 0.1, 0.1),), window_width=(0.5, 0.6), window_height=(0.5, 0.6),
                        floor_height_m=(3.0, 3.2), bay_width_m=(3.0, 4.0), glass_srgb=(0.2, 0.2, 0.2)),
    description="red, low"))


@register_model("toy-net", "outdoor")
def build_toy_net(width=0, in_ch=3, tx_dim=315):
    import torch

    return torch.nn.Conv2d(in_ch, 1, 1)


@register_format("toy-poses", "camera-to-world per sample")
def write_poses(root, out):
    out.mkdir(parents=True, exist_ok=True)
    poses = {sid: read_sample(root, sid, ["cam_to_world"])["cam_to_world"].tolist() for _, sid in list_samples(root)}
    (out / "poses.json").write_text(json.dumps(poses))
    return out / "poses.json"
'''


def _install_plugin(tmp_path, name: str, source: str) -> Path:
    """Build a wheel of the one-module package ``name`` (entry point ``synthrm.plugins``)
    and pip-install it into a folder of its own; returns that folder (for PYTHONPATH)."""
    import base64
    import hashlib
    import subprocess
    import sys
    import zipfile

    files = {f"{name}/__init__.py": source,
             f"{name}-0.1.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n",
             f"{name}-0.1.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                                            "Tag: py3-none-any\n",
             f"{name}-0.1.dist-info/entry_points.txt": f"[synthrm.plugins]\n{name} = {name}\n"}
    record = [f"{p},sha256={base64.urlsafe_b64encode(hashlib.sha256(t.encode()).digest()).rstrip(b'=').decode()},"
              f"{len(t.encode())}" for p, t in files.items()] + [f"{name}-0.1.dist-info/RECORD,,"]
    files[f"{name}-0.1.dist-info/RECORD"] = "\n".join(record) + "\n"
    wheel = tmp_path / f"{name}-0.1-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        for p, t in files.items():
            z.writestr(p, t)
    target = tmp_path / f"site-{name}"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                    "--disable-pip-version-check", "--target", str(target), str(wheel)], check=True)
    return target


def _synthrm(args, pythonpath: Path | None = None):
    import os
    import subprocess
    import sys

    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(pythonpath), *filter(None, [env.get("PYTHONPATH")])])
    return subprocess.run([sys.executable, "-m", "synthrm.cli", *args], capture_output=True, text=True, env=env)


def test_an_installed_plugin_package_is_found_through_its_entry_point(tmp_path):
    """A package that declares ``synthrm.plugins`` adds its antenna, district, model and
    export format to the CLI choices and the configs, with no launcher."""
    site = _install_plugin(tmp_path, "toy_synthrm_plugin", TOY_PLUGIN)
    gen = _synthrm(["generate", "--help"], site)
    assert gen.returncode == 0 and "toy-1x2" in gen.stdout and "city-toytown" in gen.stdout
    train = _synthrm(["train", "--help"], site)
    assert train.returncode == 0 and "toy-net" in train.stdout
    export = _synthrm(["export", "--help"], site)
    assert export.returncode == 0 and "toy-poses" in export.stdout
    show = _synthrm(["config", "show", "--preset", "city-toytown", "--antenna", "toy-1x2"], site)
    assert show.returncode == 0, show.stderr
    assert "district: toytown" in show.stdout and "antenna: toy-1x2" in show.stdout
    # the same commands without the plugin on the path know none of it
    plain = _synthrm(["config", "show", "--preset", "city-toytown"])
    assert plain.returncode == 2 and "unknown preset 'city-toytown'" in plain.stderr
    assert "toy-net" not in _synthrm(["train", "--help"]).stdout


def test_a_broken_plugin_is_a_one_line_error_naming_it(tmp_path):
    site = _install_plugin(tmp_path, "broken_synthrm_plugin", "raise ImportError('needs the moon')\n")
    r = _synthrm(["config", "show"], site)
    err = r.stderr.strip()
    assert r.returncode == 2 and len(err.splitlines()) == 1
    assert "plugin 'broken_synthrm_plugin'" in err and "needs the moon" in err and "uninstall" in err
