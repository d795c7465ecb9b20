"""Configuration: what a ``synthrm generate`` run is made of, the named presets, and
YAML loading.

Each stage's settings live beside the stage (``synthrm.scene.config``,
``synthrm.camera.config``, ``synthrm.render.config``, ``synthrm.vas.config``,
``synthrm.radio.config``; training: ``synthrm.models.config``); this module composes them
(:class:`GenerateConfig`, :class:`IndoorConfig`), names the presets (``city-<district>`` for
every entry of ``synthrm.scene.districts.DISTRICTS``; ``seed-<district>`` and
``canyon-drive`` for SynthRM-like data, see ``docs/reproduction.md``; ``indoor-apartment``) and maps
nested dicts / YAML onto the dataclasses (:func:`build_config` for either kind, by preset or
YAML file). Each dataclass validates itself in ``__post_init__`` and raises
:class:`ConfigError` naming the field and the allowed range; an unknown key is an error with
a "did you mean" suggestion. Command-line settings arrive as dotted ``KEY=VALUE`` overrides
(:func:`parse_overrides`, ``synthrm ... --set radio.max_depth=10``) and go through the same
checks.
"""
from __future__ import annotations

import ast
import dataclasses
import difflib
import functools
import inspect
import json
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthrm.camera.config import CameraConfig, ScanConfig
from synthrm.checks import check_range, require
from synthrm.errors import ConfigError
from synthrm.radio.config import RadioConfig
from synthrm.render.config import RenderConfig, VariationConfig
from synthrm.scene.config import ApartmentConfig, CityConfig
from synthrm.scene.districts import DISTRICTS
from synthrm.vas.config import VASConfig


@dataclass
class GenerateConfig:
    """Everything ``synthrm generate`` needs."""

    preset: str = "city-mix"
    """Name of the preset this config started from (recorded, informational)."""
    frames: int = 4
    """Number of samples (camera frames) to generate (more than an existing dataset folder holds,
    all else equal: that dataset is extended)."""
    frames_per_scene: int = 4
    """Frames taken in each generated city before a new city is made."""
    seed: int = 0
    """Master seed: the same seed gives the same dataset."""
    shard_size: int = 8
    """Samples per HDF5 shard (the unit of atomic writing and resume)."""
    city: CityConfig = field(default_factory=CityConfig)
    camera: CameraConfig = field(default_factory=CameraConfig)
    render: RenderConfig = field(default_factory=RenderConfig)
    vas: VASConfig = field(default_factory=VASConfig)
    radio: RadioConfig = field(default_factory=RadioConfig)
    variations: VariationConfig = field(default_factory=VariationConfig)
    """Environmental variations of the images (time of day, fog, blur, sensor noise); named
    presets: none (the fixed sun), default, all (``synthrm.render.config.VARIATION_PRESETS``)."""
    plan: str = ""
    """A view plan from ``synthrm orchestrate`` (path to plan.json): its selected views, in
    order, are the frames (all in scene 0, the plan's city); "" = random poses."""

    def __post_init__(self):
        for n, lo in (("frames", 1), ("frames_per_scene", 1), ("shard_size", 1), ("seed", 0)):
            v = getattr(self, n)
            require(isinstance(v, int) and not isinstance(v, bool) and v >= lo, f"{n}: must be an integer >= {lo}, got {v!r}")
        if self.camera.view == "drive":
            require(self.camera.drive_beyond_m <= self.city.margin_m,
                    f"camera.drive_beyond_m: the drive must stay inside the scene, within city.margin_m = "
                    f"{self.city.margin_m:g} m of the street grid, got {self.camera.drive_beyond_m:g} m; lower it or "
                    "raise city.margin_m")
            require(not self.plan, "plan: a drive is a fixed trajectory; use camera.view uav, vehicle or pedestrian "
                    "with a plan")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def to_json(self) -> dict:
        """The config as JSON-able nested dicts (what datasets record)."""
        return json.loads(json.dumps(self.to_dict()))


#: The radio settings indoor presets start from (the rest are ``RadioConfig``'s): one
#: Monte Carlo pass of 1e6 rays per Tx, 20 interactions, no diffraction. Indoors the
#: interaction budget, not the ray count, limits coverage (``docs/indoor.md``).
INDOOR_RADIO = {"samples_per_tx": 10 ** 6, "max_depth": 20, "diffraction": False}


#: Sources of the indoor voxels' material channels (:attr:`IndoorConfig.voxel_materials`).
VOXEL_MATERIALS = ("semantic", "sensed")


@dataclass
class IndoorConfig:
    """Everything ``synthrm generate --preset indoor-apartment`` needs (SenseRay-3D)."""

    preset: str = "indoor-apartment"
    """Name of the preset this config started from (recorded, informational)."""
    scenes: int = 2
    """Apartments to generate."""
    tx_per_scene: int = 5
    """Transmitters per apartment (one dataset entry each)."""
    seed: int = 0
    """Master seed: the same seed gives the same dataset."""
    voxel_size_m: float = 0.1
    """Voxel edge and ground-truth cell size [m] (the SenseRay-3D paper's 0.1 m)."""
    heights_m: tuple[float, ...] = (0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6)
    """Receiver planes above the floor [m] (the SenseRay-3D paper's 0.6-1.6 m every 0.1 m)."""
    tx_height_m: tuple[float, float] = (0.8, 2.2)
    """Range of transmitter heights above the floor [m]."""
    tx_clearance_m: float = 0.3
    """Minimum distance of a Tx from walls and furniture [m]."""
    test_fraction: float = 0.25
    """Share of apartments held out as the test split (unseen geometry and Tx)."""
    val_tx_fraction: float = 0.2
    """Share of the Tx of the other apartments held out as validation (seen geometry)."""
    material_table: dict = field(default_factory=dict)
    """Overrides of the semantic class -> ITU material lookup that gives voxels their
    reflection / transmission channels (the SenseRay-3D paper's predefined table; defaults:
    ``synthrm.scene.classes.DEFAULT_RADIO_MATERIALS``, e.g. wall -> plasterboard). With
    ``voxel_materials: semantic`` the voxels see semantics only: the true wall material of
    an apartment may differ."""
    voxel_materials: str = "semantic"
    """Where a voxel's reflection / transmission channels come from: ``semantic`` (the
    SenseRay-3D paper's lookup by class, ``material_table``; an apartment's true wall and
    floor materials stay unseen) or ``sensed`` (each voxel's majority radio material in the
    scans, as a material segmentation of the RGB images would give: an upper bound of what
    material sensing adds; ``docs/learning.md``)."""
    apartment: ApartmentConfig = field(default_factory=ApartmentConfig)
    scan: ScanConfig = field(default_factory=ScanConfig)
    radio: RadioConfig = field(default_factory=lambda: RadioConfig(**INDOOR_RADIO))
    """Sionna RT settings of the ground truth (omnidirectional, 3.5 GHz; defaults
    :data:`INDOOR_RADIO`). Indoors the interaction budget, not the ray count, limits
    coverage (``docs/indoor.md``)."""

    def __post_init__(self):
        for n, lo in (("scenes", 1), ("tx_per_scene", 1), ("seed", 0)):
            v = getattr(self, n)
            require(isinstance(v, int) and not isinstance(v, bool) and v >= lo, f"{n}: must be an integer >= {lo}, got {v!r}")
        require(isinstance(self.voxel_size_m, (int, float)) and 0.01 <= self.voxel_size_m <= 1.0,
                 f"voxel_size_m: must be in [0.01, 1] m (and > 0), got {self.voxel_size_m!r}")
        require(len(self.heights_m) >= 1 and all(0 < z < self.apartment.height_m for z in self.heights_m),
                 f"heights_m: must lie between floor and ceiling (0, {self.apartment.height_m}) m, got {self.heights_m}")
        check_range(self.tx_height_m, "tx_height_m")
        require(0 < self.tx_height_m[0] and self.tx_height_m[1] < self.apartment.height_m,
                 f"tx_height_m: must lie between floor and ceiling, got {self.tx_height_m}")
        require(0 <= self.test_fraction < 1 and 0 <= self.val_tx_fraction < 1,
                 "test_fraction and val_tx_fraction: must be in [0, 1)")
        require(self.radio.antenna == "siso", "radio.antenna: indoor ground truth is omnidirectional (siso)")
        require(self.voxel_materials in VOXEL_MATERIALS,
                f"voxel_materials: must be one of {', '.join(VOXEL_MATERIALS)}, got {self.voxel_materials!r}")
        from synthrm.scene.classes import check_radio_materials

        self.material_table = dict(self.material_table)
        check_radio_materials(self.material_table)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def to_json(self) -> dict:
        """The config as JSON-able nested dicts (what datasets record)."""
        return json.loads(json.dumps(self.to_dict()))


INDOOR_PRESETS: dict[str, dict] = {"indoor-apartment": {}}
"""Indoor presets (SenseRay-3D's apartments)."""


#: The SynthRM paper's own radio pipeline (its Section 3.4 and Table 4): Sionna's Monte
#: Carlo map alone (no exact line of sight, no fill, no exact or multi-edge diffraction: a
#: surface no ray reaches has no value) and the map's own wedge diffraction on. The ray budget and depth stay synthrm's (the paper: 2**31 rays,
#: depth 20).
SEED_RADIO = {"exact_los": False, "fill": False, "diffraction": True, "exact_diffraction": False, "multi_edge": False}
#: The paper's views where ``docs/reproduction.md`` shows them: from 120-240 m the maps'
#: maximum Pmax is bimodal (its Figure 9); from synthrm's 30-120 m it is not.
SEED_CAMERA = {"uav_altitude_m": (120.0, 240.0)}
#: The districts that get a ``seed-<district>`` preset (the paper's Downtown / Mix / Margin).
SEED_DISTRICTS = ("downtown", "mix", "margin")


def _district_preset(name: str) -> dict:
    return {"city": {"district": name, **DISTRICTS.get(name, "city.district").layout}}


def city_presets() -> dict[str, dict]:
    """Every city preset: ``city-<district>`` for every registered district (its layout
    defaults as ``city``); ``seed-<district>``, SynthRM-like data (the paper's radio
    pipeline and view altitude on a synthrm city; transmitters stay near the view: placed
    anywhere in the district, ``radio.tx_placement: district`` as in the paper's Figure 8,
    the bimodality of Pmax goes); ``canyon-drive``, the paper's Figure 11 case study (a
    vehicle with a camera-mounted Tx drives along a downtown canyon out into the open
    margin; the camera looks back into the canyon it leaves, so the frames in the open
    still see its facades)."""
    out = {f"city-{name}": _district_preset(name) for name in DISTRICTS}
    for name in SEED_DISTRICTS:
        out[f"seed-{name}"] = {**_district_preset(name), "camera": dict(SEED_CAMERA), "radio": dict(SEED_RADIO)}
    downtown = _district_preset("downtown")["city"]
    out["canyon-drive"] = {
        "city": {**downtown, "margin_m": 80.0},
        "frames": 12, "frames_per_scene": 12,
        "camera": {"view": "drive", "drive_beyond_m": 70.0, "drive_yaw_deg": 180.0, "drive_pitch_deg": -10.0,
                   "min_built_fraction": 0.0},
        "radio": {"tx_placement": "camera", "tx_per_frame": 1},
    }
    return out


def preset_names() -> list[str]:
    """Every preset name (city presets follow the district registry)."""
    return sorted(city_presets()) + sorted(INDOOR_PRESETS)


def make_indoor_config(preset: str = "indoor-apartment", overrides: dict | None = None) -> IndoorConfig:
    """Build a validated indoor config from a preset name and nested overrides."""
    if preset not in INDOOR_PRESETS:
        raise ConfigError(f"unknown indoor preset {preset!r}; choose one of {sorted(INDOOR_PRESETS)}")
    _check_kind(overrides or {}, IndoorConfig)
    base = merge_config({"preset": preset, "radio": dict(INDOOR_RADIO)}, INDOOR_PRESETS[preset])
    return from_dict(IndoorConfig, merge_config(base, overrides or {}), "")


def _check_kind(data: dict, cls) -> None:
    """A one-line error for a top-level key of the other kind of config (``scenes`` for a
    city preset, ``frames`` for an indoor one)."""
    other = IndoorConfig if cls is GenerateConfig else GenerateConfig
    mine = {f.name for f in dataclasses.fields(cls)}
    for key in data:
        if key not in mine and key in {f.name for f in dataclasses.fields(other)}:
            which = (f"indoor presets ({', '.join(sorted(INDOOR_PRESETS))})" if other is IndoorConfig
                     else "the city presets")
            raise ConfigError(f"{key}: only for {which}")


def merge_config(base: dict, over: dict) -> dict:
    """``base`` with ``over`` merged in, section by section (nested dicts merge; every other
    value, and ``radio_materials`` as a whole, is replaced)."""
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict) and k != "radio_materials":
            out[k] = merge_config(out[k], v)
        else:
            out[k] = v
    return out


def _nested_match(cls, key: str, hints: dict, where: str) -> str | None:
    """The dotted path of a field of a nested section that ``key`` is (close to)."""
    for f in dataclasses.fields(cls):
        t = hints.get(f.name)
        if dataclasses.is_dataclass(t):
            sub = [g.name for g in dataclasses.fields(t)]
            m = difflib.get_close_matches(key, sub, n=1, cutoff=0.8)
            if m:
                return f"{where + '.' if where else ''}{f.name}.{m[0]}"
    return None


def from_dict(cls, data: Any, where: str = ""):
    """The dataclass ``cls`` from nested dicts (``where``: the dotted path of ``data``, for
    the messages): sections become their dataclasses, lists become tuples where the field
    is a tuple, an unknown key is a ConfigError with a "did you mean" suggestion, and the
    dataclass's own checks run."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where or 'config'}: expected a mapping, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    kwargs = {}
    for key, value in data.items():
        path = f"{where}.{key}" if where else str(key)
        if key not in names:
            close = difflib.get_close_matches(str(key), names, n=1)
            nested = _nested_match(cls, str(key), hints, where)
            hint = (f"; did you mean {close[0]!r}?" if close else
                    f"; did you mean {nested!r} (it belongs in that section)?" if nested else f"; known keys: {names}")
            raise ConfigError(f"unknown config key {path!r}{hint}")
        t = hints[key]
        if dataclasses.is_dataclass(t):
            kwargs[key] = from_dict(t, value, path)
        elif typing.get_origin(t) is tuple:
            if not isinstance(value, (list, tuple)):
                raise ConfigError(f"{path}: expected a list of {len(typing.get_args(t))} numbers, got {value!r}")
            kwargs[key] = tuple(value)
        else:
            kwargs[key] = value
    try:
        return cls(**kwargs)
    except ConfigError:
        raise
    except (TypeError, ValueError, OverflowError) as e:  # wrong value types the checks did not catch
        raise ConfigError(f"{where or 'config'}: invalid value ({e}); see `synthrm config show` for the expected "
                          "types") from None


def make_config(preset: str = "city-mix", overrides: dict | None = None) -> GenerateConfig:
    """Build a validated config from a preset name and nested overrides."""
    if preset in INDOOR_PRESETS:
        raise ConfigError(f"{preset!r} is an indoor preset; use make_indoor_config")
    presets = city_presets()
    if preset not in presets:
        close = difflib.get_close_matches(preset, presets, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigError(f"unknown preset {preset!r}{hint}; choose one of {preset_names()}")
    _check_kind(overrides or {}, GenerateConfig)
    data = merge_config({"preset": preset, **presets[preset]}, overrides or {})
    _check_tx_list(data, (overrides or {}).get("radio"))
    return from_dict(GenerateConfig, data, "")


def _check_tx_list(data: dict, given: Any) -> None:
    """The rule for a Tx list: with ``radio.tx_placement: list`` the transmitters are the
    positions of ``radio.tx_positions_m``, so their number is the list's length; a
    ``tx_per_frame`` given beside it (YAML, ``--tx-per-frame``, ``--set``) must equal it,
    else a ConfigError (never a silent override)."""
    radio = data.get("radio")
    if not isinstance(radio, dict) or not isinstance(given, dict) or "tx_per_frame" not in given:
        return
    pos = radio.get("tx_positions_m")
    if radio.get("tx_placement") != "list" or not isinstance(pos, (list, tuple)) or not pos:
        return
    n = given["tx_per_frame"]
    if n != len(pos):
        raise ConfigError(f"radio.tx_per_frame: {n!r}, but radio.tx_positions_m lists {len(pos)} "
                          f"transmitter{'s' if len(pos) != 1 else ''}; with "
                          f"tx_placement: list the list sets the count: drop tx_per_frame (or --tx-per-frame) or "
                          f"give {n} positions")


def load_config(path: str | Path, overrides: dict | None = None) -> GenerateConfig | IndoorConfig:
    """Load a YAML config file. A top-level ``preset`` key picks the base preset (default
    ``city-mix``): an indoor preset gives an :class:`IndoorConfig`."""
    import yaml

    p = Path(path)
    try:
        text = p.read_text()
    except OSError as e:
        raise ConfigError(f"cannot read config file {str(p)!r}: {e.strerror}") from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as e:
        raise ConfigError(f"config file {str(p)!r} is not valid YAML: {str(e).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"config file {str(p)!r}: expected a mapping at the top level")
    over = merge_config(data, overrides or {})
    preset = over.pop("preset", "city-mix")
    try:
        return build_config(preset, overrides=over)
    except ConfigError as e:
        raise ConfigError(f"config file {str(p)!r}: {e}") from None


def build_config(preset: str | None = None, config: str | Path | None = None,
                 overrides: dict | None = None) -> GenerateConfig | IndoorConfig:
    """The config of a preset (default ``city-mix``) or of a YAML file ``config`` (where
    ``preset``, when given, replaces the file's own), with ``overrides`` on top: an
    :class:`IndoorConfig` for an indoor preset, else a :class:`GenerateConfig`."""
    over = dict(overrides or {})
    if config:
        if preset:
            over["preset"] = preset
        return load_config(config, over)
    preset = preset or "city-mix"
    return make_indoor_config(preset, over) if preset in INDOOR_PRESETS else make_config(preset, over)


def city_config(preset: str | None = None, config: str | Path | None = None,
                overrides: dict | None = None, what: str = "preset") -> GenerateConfig:
    """:func:`build_config` for a city; a ConfigError naming ``what`` for an indoor preset."""
    cfg = build_config(preset, config, overrides)
    if not isinstance(cfg, GenerateConfig):
        raise ConfigError(f"{what}: {cfg.preset!r} is an indoor preset; this takes a city preset "
                          f"({', '.join(sorted(city_presets()))})")
    return cfg


def parse_overrides(pairs, flag: str = "--set") -> dict:
    """Nested overrides from ``KEY=VALUE`` strings (the CLI's ``--set``): a dotted ``KEY``
    names a setting (``radio.max_depth``, ``camera.resolution``), ``VALUE`` is read as YAML
    (``10``, ``true``, ``[128, 96]``, ``auto``); a later pair wins. Keys and values are
    checked where the overrides are used, by the config checks; a malformed pair is a
    ConfigError naming ``flag`` and the form."""
    import yaml

    out: dict = {}
    for pair in pairs or ():
        key, eq, text = str(pair).partition("=")
        parts = key.strip().split(".")
        if not eq or not all(p.strip() for p in parts):
            raise ConfigError(f"{flag}: expected KEY=VALUE such as radio.max_depth=10, got {pair!r}")
        try:
            value = yaml.safe_load(text) if text.strip() else ""
        except yaml.YAMLError:
            value = text  # not YAML: the plain string (the config check names the setting)
        nested = value
        for p in reversed(parts):
            nested = {p.strip(): nested}
        out = merge_config(out, nested)
    return out


def setting_path(cls, key: str) -> list[tuple[type, str]]:
    """The dataclasses and field names along a dotted ``key`` of ``cls``
    (``"radio.max_depth"`` -> [(GenerateConfig, "radio"), (RadioConfig, "max_depth")]);
    a ConfigError with a "did you mean" suggestion for an unknown part."""
    out, here, where = [], cls, ""
    for part in key.split("."):
        if not dataclasses.is_dataclass(here):
            raise ConfigError(f"unknown config key {key!r}: {where!r} has no sub-settings")
        names = [f.name for f in dataclasses.fields(here)]
        if part not in names:
            close = difflib.get_close_matches(part, names, n=1)
            raise ConfigError(f"unknown config key {key!r}" + (f"; did you mean {close[0]!r}?" if close else ""))
        out.append((here, part))
        here = typing.get_type_hints(here)[part]
        where = f"{where}.{part}" if where else part
    return out


@functools.cache
def field_docs(cls) -> dict[str, str]:
    """{field: its docstring} of a config dataclass (the string under each field in the
    source, first sentence kept whole), for help texts derived from the configs."""
    try:
        tree = ast.parse(inspect.getsource(cls))
    except (OSError, TypeError):  # no source (a frozen build): no help texts
        return {}
    body = tree.body[0].body
    out = {}
    for node, nxt in zip(body, body[1:]):
        if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and isinstance(nxt, ast.Expr)
                and isinstance(nxt.value, ast.Constant) and isinstance(nxt.value.value, str)):
            out[node.target.id] = " ".join(nxt.value.value.split())
    return out


def config_diff(a: dict, b: dict, prefix: str = "") -> list[str]:
    """The settings that differ between two config dicts, as ``"key: old there, new now"``."""
    out = []
    for k in sorted(set(a) | set(b)):
        x, y = a.get(k), b.get(k)
        if isinstance(x, dict) and isinstance(y, dict):
            out += config_diff(x, y, f"{prefix}{k}.")
        elif x != y:
            out.append(f"{prefix}{k}: {x!r} there, {y!r} now")
    return out


def to_yaml(cfg) -> str:
    """A config dataclass as the YAML document ``load_config`` reads back."""
    import yaml

    def plain(x):
        if isinstance(x, dict):
            return {k: plain(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [plain(v) for v in x]
        return x
    return yaml.safe_dump(plain(dataclasses.asdict(cfg)), sort_keys=False, default_flow_style=None, width=100)
