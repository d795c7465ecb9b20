"""Command-line interface: ``synthrm generate``, ``validate``, ``validate-physics``,
``config show``, ``orchestrate``, ``show``,
``export-ply``, ``export``, ``import-synthrm-platform``, ``relabel``, ``report``, ``train``, ``evaluate``,
``ensemble``, ``predict``, ``export-model``, ``view``.

Thin: parses arguments into a config and calls the library. Every
:class:`synthrm.errors.SynthrmError` becomes one line on stderr and exit code 2, and the
``--out`` a refused or failed command was making is removed again (a dataset with complete
shards and a run with a finished epoch are kept, to resume). Flags are never abbreviated;
an unknown one gets its sub-command's usage and the closest flag.

Settings come from the configs, never from a list of flags kept here: every command that
takes a config takes ``--set KEY=VALUE`` (repeatable), a dotted key of that config (all of
them: ``synthrm config show``) with a YAML value, checked like a YAML config ("did you
mean" included). The few settings a newcomer types every day also have a flag of their own
(:data:`SHORTCUTS`: each is ``--set`` of one key, with its help taken from that key's
docstring), and ``train``'s flags are the fields of ``TrainConfig``. Choices (antennas,
models, export formats, presets) come from the registries, plugins included.
"""
from __future__ import annotations

import argparse
import difflib
import sys
from dataclasses import dataclass
from typing import Any, Callable

from synthrm.errors import ConfigError, SynthrmError


class Parser(argparse.ArgumentParser):
    """argparse without abbreviations (``--frame`` is an error, not ``--frames``), also for
    every sub-command (subparsers are made with the parser's own class)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def unrecognized(self, extra: list[str]) -> None:
        """Exit with this (sub-)command's usage and a one-line error naming the unknown
        arguments, with the closest option of this command."""
        opts = [o for a in self._actions for o in a.option_strings if o.startswith("--")]
        flags = [e.split("=", 1)[0] for e in extra if e.startswith("-")]
        close = difflib.get_close_matches(flags[0], opts, n=1, cutoff=0.6) if flags else []
        self.error(f"unrecognized arguments: {' '.join(extra)}" + (f" (did you mean {close[0]}?)" if close else ""))


@dataclass(frozen=True)
class Shortcut:
    """A flag that sets one config key: ``flag VALUE`` is ``--set key=parse(VALUE)`` (a
    switch, ``const`` given, sets ``const``)."""

    flag: str
    key: str
    """Dotted config key (``orchestrate.*``: the ``OrchestrateConfig``)."""
    parse: Callable[[str], Any] = str
    """Text -> value; a ValueError or ConfigError becomes a one-line error naming the flag."""
    metavar: str | None = None
    choices: Any = None
    """Allowed values (a registry is read lazily: argparse asks only to check or print)."""
    const: Any = None
    """The value of a switch (a flag without a value)."""


def _rays(text: str):
    from synthrm.radio.budget import parse_rays

    return parse_rays(text)


def _resolution(text: str):
    from synthrm.camera.config import parse_resolution

    return parse_resolution(text)


def _variations(text: str):
    from synthrm.render.config import variation_preset

    return variation_preset(text)


#: The flags a newcomer types every day (README: "Using it"); every other setting is
#: ``--set KEY=VALUE``.
SHORTCUTS = {s.flag: s for s in (
    Shortcut("--frames", "frames", int, "N"),
    Shortcut("--seed", "seed", int, "N"),
    Shortcut("--resolution", "camera.resolution", _resolution, "WxH"),
    Shortcut("--tx-per-frame", "radio.tx_per_frame", int, "N"),
    Shortcut("--antenna", "radio.antenna", metavar="NAME"),
    Shortcut("--samples-per-tx", "radio.samples_per_tx", _rays, "N|auto"),
    Shortcut("--no-radio", "radio.enabled", const=False),
    Shortcut("--variations", "variations", _variations, "PRESET"),
    Shortcut("--plan", "plan", metavar="PLAN.json"),
    Shortcut("--scenes", "scenes", int, "N"),
    Shortcut("--tx-per-scene", "tx_per_scene", int, "N"),
    Shortcut("--voxel-size", "voxel_size_m", float, "M"),
    Shortcut("--candidates", "orchestrate.candidates", int, "N"),
    Shortcut("--views", "orchestrate.k", int, "K"),
)}
#: The shortcuts of each command that takes a config.
COMMAND_SHORTCUTS = {
    "generate": ("--frames", "--resolution", "--seed", "--tx-per-frame", "--antenna", "--samples-per-tx", "--no-radio",
                 "--variations", "--plan", "--scenes", "--tx-per-scene", "--voxel-size"),
    "orchestrate": ("--candidates", "--views", "--seed", "--resolution"),
    "relabel": ("--samples-per-tx", "--tx-per-frame", "--antenna"),
}
COMMAND_SHORTCUTS["config show"] = COMMAND_SHORTCUTS["generate"]
_PARSE_WHAT = {int: "an integer", float: "a number"}


def _key_doc(key: str, train: bool = False) -> str:
    """The docstring of a dotted config key (the help text of its flag): a key of
    ``GenerateConfig`` or ``IndoorConfig`` (``orchestrate.*``: ``OrchestrateConfig``), or
    with ``train`` of ``TrainConfig``."""
    from synthrm.config import GenerateConfig, IndoorConfig, field_docs, setting_path

    head, _, tail = key.partition(".")
    if train:
        from synthrm.models.config import TrainConfig

        roots = [(TrainConfig, key, "")]
    elif head == "orchestrate":
        from synthrm.orchestrate.config import OrchestrateConfig

        roots = [(OrchestrateConfig, tail, "")]
    else:
        roots = [(GenerateConfig, key, ""), (IndoorConfig, key, "indoor: ")]
    for cls, k, prefix in roots:
        try:
            owner, name = setting_path(cls, k)[-1]
        except ConfigError:
            continue
        return (prefix + field_docs(owner).get(name, "")).replace("%", "%%")
    return ""


def _add_shortcut(parser, sc: Shortcut, train: bool = False) -> None:
    doc = _key_doc(sc.key, train)
    if train:
        from synthrm.models.config import TrainConfig

        where = f" (default {getattr(TrainConfig, sc.key)})"
    else:
        where = f" [--set {sc.key}{'=' + str(sc.const).lower() if sc.const is not None else ''}]"
    if sc.const is not None:
        parser.add_argument(sc.flag, action="store_true", help=doc + where)
        return
    choices = " One of: %(choices)s." if sc.choices is not None else ""
    parser.add_argument(sc.flag, metavar=sc.metavar or "VALUE", choices=sc.choices, help=doc + choices + where)


def _add_settings(parser, command: str) -> None:
    """``--set`` and the command's shortcut flags."""
    from synthrm.radio.antenna import ANTENNAS
    from synthrm.render.config import VARIATION_PRESETS

    choices = {"--antenna": ANTENNAS, "--variations": tuple(VARIATION_PRESETS)}
    for flag in COMMAND_SHORTCUTS[command]:
        sc = SHORTCUTS[flag]
        if flag in choices:
            sc = Shortcut(sc.flag, sc.key, sc.parse, sc.metavar, choices[flag], sc.const)
        _add_shortcut(parser, sc)
    keys = {"orchestrate": "; also orchestrate.* (OrchestrateConfig), e.g. orchestrate.track_length=1",
            "relabel": "; only radio.* and vas.* keys"}.get(command, "")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="any setting of the config, a dotted key with a YAML value, e.g. radio.max_depth=10 or "
                             "camera.resolution=[128,96] (repeatable; every key: `synthrm config show`)"
                             f"{keys}; wins over the flags above")


def _parsed(sc: Shortcut, text):
    if sc.const is not None:
        return sc.const
    try:
        return sc.parse(text)
    except ConfigError as e:
        msg = str(e)
        raise ConfigError(msg if msg.startswith(sc.flag) else f"{sc.flag}: {msg}") from None
    except ValueError:
        raise ConfigError(f"{sc.flag}: expected {_PARSE_WHAT.get(sc.parse, 'a value')}, got {text!r}") from None


def _settings(args, shortcuts) -> dict:
    """Nested config overrides from the given shortcut flags, then ``--set`` on top."""
    from synthrm.config import merge_config, parse_overrides

    over: dict = {}
    for sc in shortcuts:
        v = getattr(args, sc.flag[2:].replace("-", "_"))
        if v is None or v is False:
            continue
        nested = _parsed(sc, v)
        for part in reversed(sc.key.split(".")):
            nested = {part: nested}
        over = merge_config(over, nested)
    return merge_config(over, parse_overrides(getattr(args, "set", [])))


def _command_settings(args, command: str) -> dict:
    return _settings(args, [SHORTCUTS[f] for f in COMMAND_SHORTCUTS[command]])


def _config(args, over: dict):
    """The generate config of a command: a plan's, a preset's or a YAML file's, with ``over``."""
    from synthrm.config import INDOOR_PRESETS, build_config

    if over.get("plan") and not args.config and args.preset not in INDOOR_PRESETS:
        # the plan's own settings are the base; flags override them
        from synthrm.orchestrate import config_from_plan

        return config_from_plan(over["plan"], args.preset, over)
    return build_config(args.preset, args.config, over)


def _generate(args) -> int:
    from synthrm.config import IndoorConfig

    cfg = _config(args, _command_settings(args, "generate"))
    if args.ray_address is not None and args.ray_local is not None:
        raise ConfigError("--ray-address and --ray-local: give one of them")
    ray = dict(executor="ray", ray_address=args.ray_address, ray_local_workers=args.ray_local or 0,
               cpus_per_task=args.ray_cpus_per_task, gpus_per_task=args.ray_gpus_per_task,
               max_retries=args.max_retries) if (args.ray_address or args.ray_local) else {}
    if isinstance(cfg, IndoorConfig):
        return _generate_indoor(cfg, args, ray)
    if args.labels_from:
        raise ConfigError("--labels-from: only for indoor presets (city datasets: `synthrm relabel`)")
    from synthrm.generate import generate

    report = generate(cfg, args.out, progress=not args.quiet, **ray)
    tot = report["stage_total_s"]
    if report["frames"]:
        print(f"wrote {report['frames']} samples to {args.out} "
              f"({report['skipped']} already complete)")
        if report.get("dropped"):
            print(f"{report['dropped']} frames were skipped (see the warnings and index.json)")
        print("stage            total [s]  median per frame [s]")
        for k, v in tot.items():
            print(f"  {k:<14} {v:9.2f}  {report['stage_median_s'][k]:12.3f}")
    else:
        print(f"{args.out}: all {report['skipped']} samples already complete; nothing to do")
    return 0


def _generate_indoor(cfg, args, ray: dict) -> int:
    from synthrm.generate import generate_indoor

    if ray:
        raise ConfigError(f"{'--ray-address' if args.ray_address else '--ray-local'}: only for the city presets")
    report = generate_indoor(cfg, args.out, progress=not args.quiet, labels_from=args.labels_from)
    if report["scenes"]:
        print(f"wrote {report['scenes']} apartments x {cfg.tx_per_scene} Tx to {args.out} "
              f"({report['skipped']} already complete)")
        for k, v in report["stage_total_s"].items():
            print(f"  {k:<8} {v:9.2f} s")
    else:
        print(f"{args.out}: all {report['skipped']} apartments already complete; nothing to do")
    return 0


def _config_show(args) -> int:
    from synthrm.config import to_yaml

    cfg = _config(args, _command_settings(args, "config show"))
    print(f"# the full effective config of preset {cfg.preset!r}"
          + (f" with {args.config}" if args.config else "") + "; every key can go in a YAML --config or a --set")
    print(to_yaml(cfg), end="")
    return 0


def _relabel(args) -> int:
    from synthrm.generate import relabel

    over = _command_settings(args, "relabel")
    for key, value in over.items():
        if key not in ("radio", "vas"):
            close = difflib.get_close_matches(key, ("radio", "vas"), n=1)
            raise ConfigError(f"--set {key}: relabel recomputes the radio labels only; set radio.* or vas.* keys"
                              + (f" (did you mean {close[0]!r}?)" if close else ""))
        if not isinstance(value, dict):
            raise ConfigError(f"--set {key}: give one setting of the section, e.g. {key}.max_depth=10")
    r = relabel(args.dir, args.out, radio=over.get("radio", {}), vas=over.get("vas", {}), defaults=args.defaults,
                progress=not args.quiet)
    if r["samples"]:
        print(f"relabelled {r['samples']} samples of {args.dir} into {args.out} ({r['skipped_shards']} shards "
              f"already done{'; new transmitters drawn' if r['new_transmitters'] else ''}); radio {r['radio_s']:.1f} s")
    else:
        print(f"{args.out}: all {r['skipped_shards']} shards already relabelled; nothing to do")
    return 0


def _validate_physics(args) -> int:
    import json

    from synthrm.radio.validation import physics_table, run_physics_checks

    checks = run_physics_checks(full=args.full)
    print(physics_table(checks), end="")
    for c in checks:
        if c.detail:
            print(f"  {c.name}: {c.detail}")
    bad = [c.name for c in checks if not c.passed]
    print(f"{len(checks) - len(bad)}/{len(checks)} checks within tolerance" + (f"; FAILED: {', '.join(bad)}" if bad else ""))
    if args.json:
        with open(args.json, "w") as f:
            json.dump([c.to_json() for c in checks], f, indent=1)
    return 1 if bad else 0


def _validate(args) -> int:
    from synthrm.dataset.validate import validate_dataset

    rep = validate_dataset(args.dir)
    print(rep.text(), end="")
    return 0 if rep.ok else 1


def _orchestrate(args) -> int:
    from pathlib import Path

    from synthrm.config import city_config, from_dict
    from synthrm.orchestrate import OrchestrateConfig, orchestrate, write_plan

    over = _command_settings(args, "orchestrate")
    settings = from_dict(OrchestrateConfig, over.pop("orchestrate", {}), "orchestrate")
    cfg = city_config(args.scene, args.config, over, what="--scene")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    plan = orchestrate(cfg, out.parent, settings, progress=not args.quiet)
    write_plan(out, plan)
    m = plan["metrics"]
    print(f"wrote {out}: {len(plan['selected'])} of {len(plan['candidates'])} views, "
          f"{len(plan['communities'])} perception communities")
    for k, v in m.items():
        if isinstance(v, (int, float)):
            print(f"  {k:<40} {v:10.4g}")
    print(f"generate them with: synthrm generate --plan {out} --out DIR; draw the graph with: "
          f"synthrm show {out} --out graph.png")
    return 0


def _show_plan(args) -> int:
    from pathlib import Path

    from synthrm.orchestrate import plan_figure, read_plan
    from synthrm.scene.layout import Layout

    plan = read_plan(args.dir)
    scene = Path(args.dir).parent / plan["scene_dir"]
    if not scene.is_dir():
        raise SynthrmError(f"{scene}: the plan's scene folder is missing; re-run `synthrm orchestrate`")
    out = plan_figure(plan, Layout.load(scene), args.out)
    print(f"wrote {out}")
    return 0


def _show(args) -> int:
    from synthrm.dataset.hdf5 import check_indoor_tx, dataset_kind, first_sample_id, read_sample
    from synthrm.viz import indoor_figure, sample_figure

    if str(args.dir).endswith(".json"):
        return _show_plan(args)
    check_indoor_tx(args.dir, args.tx)
    sid = args.sample or first_sample_id(args.dir)
    s = read_sample(args.dir, sid)
    a = s["attrs"]
    if dataset_kind(args.dir) == "indoor":
        out = indoor_figure(s, args.out, title=f"{args.dir} · {sid} ({a.get('split')})")
        print(f"wrote {out}")
        return 0
    out = sample_figure(s, args.out, tx=args.tx,
                        title=f"{args.dir} · sample {sid} · {a.get('scene_id')} ({a.get('district')}, {a.get('view')})")
    print(f"wrote {out}")
    return 0


def _export_ply(args) -> int:
    from synthrm.dataset.hdf5 import dataset_kind, first_sample_id
    from synthrm.export import export_dataset

    sid = args.sample or first_sample_id(args.dir)
    out = export_dataset(args.dir, "ply", args.out, sample=sid, tx=args.tx)
    what = ("the receiver planes of entry" if dataset_kind(args.dir) == "indoor" else "sample") + f" {sid}"
    print(f"wrote {out} ({what}, Tx {args.tx}; faces carry path_gain_db and a viridis colour)")
    return 0


def _train(args) -> int:
    from synthrm.config import from_dict
    from synthrm.models.config import TrainConfig
    from synthrm.models.registry import MODELS
    from synthrm.models.train import train

    over = _settings(args, _train_shortcuts())
    if "batch_size" not in over:  # the model's own default (SenseRay-3D: one apartment grid a step)
        over["batch_size"] = MODELS.get(over.get("model", TrainConfig.model), "--model").batch_size
    r = train(from_dict(TrainConfig, over), args.data, args.out, resume=args.resume, progress=not args.quiet)
    if r["best_epoch"] is not None:
        print(f"{args.out}: {r['epochs_run']} epochs logged, best epoch {r['best_epoch']} "
              f"(validation loss {r['best_val_loss']:.4g}){'; stopped early' if r['stopped_early'] else ''}; "
              f"log {args.out}/log.csv, curves {args.out}/loss.png")
    return 0


def _train_shortcuts() -> list[Shortcut]:
    """One flag per ``TrainConfig`` field (``--batch-size`` sets ``batch_size``), typed by it."""
    import dataclasses
    import typing

    from synthrm.models.config import TrainConfig

    hints = typing.get_type_hints(TrainConfig)
    return [Shortcut("--" + f.name.replace("_", "-"), f.name, hints[f.name] if hints[f.name] in (int, float, str) else
                     _yaml_value, "N" if hints[f.name] in (int, float) else None) for f in dataclasses.fields(TrainConfig)]


def _yaml_value(text: str):
    import yaml

    return yaml.safe_load(text)


def _evaluate(args) -> int:
    from synthrm.models.evaluate import EVAL_JSON, EVAL_MD, evaluate, results_table

    res = None
    for d in args.data:
        res = evaluate(args.run, d, splits=args.split, progress=not args.quiet, label_sources=args.label_sources)
    print(results_table(res), end="")
    print(f"wrote {args.run}/{EVAL_JSON} and {args.run}/{EVAL_MD}")
    return 0


def _ensemble(args) -> int:
    from synthrm.models.train import make_ensemble

    meta = make_ensemble(args.runs, args.out)
    print(f"{args.out}: ensemble of {len(meta['members'])} {meta['kind']} runs ({', '.join(meta['member_models'])}); "
          f"score it with `synthrm evaluate --run {args.out} --data ...`")
    return 0


def _predict(args) -> int:
    if args.onnx:
        from synthrm.models.deploy import onnx_predict_figure as figure
    else:
        from synthrm.models.evaluate import predict_figure as figure

    out = figure(args.onnx or args.run, args.data, args.out, sample=args.sample, tx=args.tx, height_m=args.height)
    print(f"wrote {out}")
    return 0


def _export_model(args) -> int:
    from synthrm.models.deploy import describe_onnx, export_onnx

    out = export_onnx(args.run, args.out, opset=args.opset)
    print(f"wrote {out}: {describe_onnx(out)}")
    return 0


def _export(args) -> int:
    from synthrm.export import export_dataset

    out = export_dataset(args.dir, args.format, args.out, block=args.block, sample=args.sample, tx=args.tx)
    print(f"wrote {args.format} export of {args.dir} to {args.out} ({out})")
    return 0


def _import_synthrm_platform(args) -> int:
    from synthrm.export.synthrm_platform import import_synthrm_platform

    r = import_synthrm_platform(args.root, args.out, fov_x_deg=args.fov_x_deg, K=args.K, blocks=args.block,
                                camera_axes=args.camera_axes, radiomap_unit=args.radiomap_unit, nodata=args.nodata)
    print(f"wrote {r['samples']} samples from blocks {', '.join(map(str, r['blocks']))} of {args.root} to {args.out} "
          f"(check it with: synthrm validate {args.out})")
    return 0


def _report(args) -> int:
    from synthrm.analysis.report import write_report

    p = write_report(args.dirs, args.out, runs=args.runs or [], progress=not args.quiet)
    print(f"wrote {p} (open it in a browser; figures and analysis.json beside it)")
    return 0


def _view(args) -> int:
    from synthrm.viewer import serve, write_static_view

    if args.static:
        if str(args.dir).endswith(".json"):
            raise ConfigError("--static: a static page is made for a city dataset's sample, not a plan")
        out = write_static_view(args.dir, args.static, sample=args.sample)
        print(f"wrote {out} (open it in a browser; no server needed)")
        return 0
    serve(args.dir, sample=args.sample, port=args.port, host=args.host, log=lambda m: print(m, flush=True))
    return 0


def build_parser() -> Parser:
    from synthrm import __version__
    from synthrm.config import preset_names
    from synthrm.export.registry import FORMATS

    p = Parser(prog="synthrm", description="Vision-aligned radio data.")
    p.add_argument("--version", action="version", version=f"synthrm {__version__}")
    sub = p.add_subparsers(dest="cmd", required=True)
    presets = f"named preset: {', '.join(preset_names())} (default city-mix)"
    g = sub.add_parser("generate", help="generate (or resume) a dataset")
    g.add_argument("--preset", help=presets)
    g.add_argument("--config", help="YAML config file (city or indoor; flags and --set override it)")
    _add_settings(g, "generate")
    g.add_argument("--ray-address", help="run the shards as tasks on this Ray cluster (an address or `auto`)")
    g.add_argument("--ray-local", type=int, help="run the shards on a local Ray with N worker CPUs")
    g.add_argument("--ray-cpus-per-task", type=float, default=1.0, help="CPUs each shard task declares (default 1)")
    g.add_argument("--ray-gpus-per-task", type=float, default=0.0,
                   help="GPUs each shard task declares (default 0; e.g. 1 to ray-trace with CUDA)")
    g.add_argument("--max-retries", type=int, default=3, help="Ray: retries of a shard whose worker died (default 3)")
    g.add_argument("--labels-from", metavar="DIR",
                   help="indoor: copy the path-loss labels of this dataset (same settings but voxel_materials / "
                        "material_table) instead of ray-tracing them again")
    g.add_argument("--out", required=True, help="dataset folder (resumed if it exists)")
    g.add_argument("--quiet", action="store_true", help="warnings only: no progress bar, no progress notes")
    g.set_defaults(func=_generate)
    for name, what, out, func in (("show", "draw one sample's panels into a PNG", "PNG", _show),
                                   ("export-ply", "write a sample's radio-textured mesh, an indoor entry's "
                                                  "receiver planes (export --format ply --sample)", ".ply",
                                    _export_ply)):
        s = sub.add_parser(name, help=what)
        s.add_argument("dir", help="dataset folder" + (" (or a plan.json: its sensing graph over the city map)"
                                                       if name == "show" else ""))
        s.add_argument("--sample", help="sample id (default: the first)")
        s.add_argument("--tx", type=int, default=0, help="transmitter of the radio panels / mesh (default 0)")
        s.add_argument("--out", required=True, help=f"output {out}")
        s.set_defaults(func=func)
    o = sub.add_parser("orchestrate", help="choose the views to simulate from a sensing graph (SIFT overlap, Louvain)")
    o.add_argument("--scene", required=True, help="city preset whose scene 0 to plan for (with --seed, --config)")
    o.add_argument("--config", help="YAML config (its city and camera settings)")
    _add_settings(o, "orchestrate")
    o.add_argument("--out", required=True, help="plan JSON; the scene folder goes beside it")
    o.add_argument("--quiet", action="store_true", help="warnings only: no progress bar, no progress notes")
    o.set_defaults(func=_orchestrate)
    c = sub.add_parser("config", help="configuration tools")
    csub = c.add_subparsers(dest="config_cmd", required=True)
    cs = csub.add_parser("show", help="print the full effective config (YAML) of a preset, with generate's settings")
    cs.add_argument("--preset", help=presets)
    cs.add_argument("--config", help="YAML config file to apply on top of the preset")
    _add_settings(cs, "config show")
    cs.set_defaults(func=_config_show)
    vp = sub.add_parser("validate-physics", help="check the ray tracer against Friis, two-ray, Fresnel, slab, "
                                                  "knife-edge, reciprocity and energy conservation (exit 1 on a failure)")
    vp.add_argument("--full", action="store_true", help="10x the rays of the test size")
    vp.add_argument("--json", help="also write the checks to this JSON file")
    vp.set_defaults(func=_validate_physics)
    v = sub.add_parser("validate", help="check every shard against the index and the schema (exit 1 on problems)")
    v.add_argument("dir", help="dataset folder")
    v.set_defaults(func=_validate)
    rl = sub.add_parser("relabel", help="recompute only the radio arrays of a city dataset (new ray budget, "
                                         "estimator or VAS cells; same scenes, cameras and transmitters)")
    rl.add_argument("dir", help="city dataset folder (schema 2 or 3)")
    rl.add_argument("--out", required=True, help="new dataset folder (resumed if it exists)")
    rl.add_argument("--defaults", action="store_true",
                    help="start from this synthrm's default radio and vas settings instead of the dataset's own")
    _add_settings(rl, "relabel")
    rl.add_argument("--quiet", action="store_true", help="warnings only: no progress bar, no progress notes")
    rl.set_defaults(func=_relabel)
    x = sub.add_parser("export", help="write a dataset's poses, images and meshes for other 3D tools")
    x.add_argument("dir", help="dataset folder (city, imported or indoor: its scans and receiver planes)")
    x.add_argument("--format", required=True, choices=FORMATS, metavar="FORMAT", help="one of: %(choices)s")
    x.add_argument("--out", required=True, help="output folder (ply with --sample: the .ply file)")
    x.add_argument("--block", type=int, help="synthrm-platform: number N of the first block_<N> folder; one block "
                                             "per scene, numbered on (default 0)")
    x.add_argument("--sample", help="ply: only this sample's (indoor: entry's) mesh, written to the file --out")
    x.add_argument("--tx", type=int, help="ply: only this transmitter's mesh")
    x.set_defaults(func=_export)
    im = sub.add_parser("import-synthrm-platform",
                        help="read SynthRM-Platform block_<N> folders into a synthrm dataset (see docs/interop.md)")
    im.add_argument("root", help="folder holding the block_<N> folders")
    im.add_argument("--out", required=True, help="new dataset folder")
    im.add_argument("--block", type=int, nargs="+", help="import only these block numbers (default: all)")
    im.add_argument("--fov-x-deg", type=float,
                    help="camera intrinsics: horizontal field of view [deg], principal point at the image centre")
    im.add_argument("--K", type=float, nargs=4, metavar=("FX", "FY", "CX", "CY"),
                    help="camera intrinsics [px] (blocks exported by synthrm carry their own)")
    im.add_argument("--camera-axes", choices=("opencv", "opengl"),
                    help="camera axes of the extrinsics (default: the block's synthrm key, else opencv)")
    im.add_argument("--radiomap-unit", choices=("dB", "linear"),
                    help="radio maps hold path gain in dB or linear (default: the block's synthrm key, else dB)")
    im.add_argument("--nodata", type=float,
                    help="value marking no value in the radio maps (default: the block's, else NaN)")
    im.set_defaults(func=_import_synthrm_platform)
    rp = sub.add_parser("report", help="static HTML report of city datasets (statistics, correlation, samples)")
    rp.add_argument("dirs", nargs="+", help="dataset folder(s)")
    rp.add_argument("--out", required=True, help="output folder (index.html)")
    rp.add_argument("--runs", nargs="+", help="run folders whose evaluation tables to include")
    rp.add_argument("--quiet", action="store_true", help="warnings only: no progress bar, no progress notes")
    rp.set_defaults(func=_report)
    vw = sub.add_parser("view", help="browser 3D viewer (viser): scene, cameras, transmitters, radio on the "
                                     "visible surface; also an indoor dataset or a plan.json")
    vw.add_argument("dir", help="dataset folder (city or indoor) or a plan.json")
    vw.add_argument("--sample", help="sample id / indoor entry id to start at (default: the first)")
    vw.add_argument("--port", type=int, default=8080, help="port to serve on (default 8080)")
    vw.add_argument("--host", default="127.0.0.1",
                    help="address to listen on (default 127.0.0.1; 0.0.0.0 to reach it from other machines)")
    vw.add_argument("--static", metavar="HTML", help="write the sample's view as a self-contained HTML page "
                                                     "instead of serving (no server needed to open it)")
    vw.set_defaults(func=_view)
    _learning_parsers(sub)
    _tag_parsers(p)
    return p


def _tag_parsers(parser: argparse.ArgumentParser) -> None:
    """Every (sub-)command's parser records itself as ``args.parser`` (its usage goes with
    an error about its arguments)."""
    parser.set_defaults(parser=parser)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sp in action.choices.values():
                _tag_parsers(sp)


def _learning_parsers(sub) -> None:
    from synthrm.models.registry import MODEL_FORMATS, MODELS, ONNX_OPSET

    t = sub.add_parser("train", help="train a model of the learning benchmark on a dataset (flags: the fields of "
                                     "TrainConfig)")
    for sc in _train_shortcuts():
        if sc.key == "model":
            t.add_argument("--model", required=True, choices=MODELS, metavar="MODEL",
                           help=_key_doc("model", train=True) + " One of: %(choices)s.")
        else:
            _add_shortcut(t, sc, train=True)
    t.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="a TrainConfig field with a YAML value, e.g. lr=0.0005 (repeatable); wins over the flags")
    t.add_argument("--data", required=True, nargs="+",
                   help="dataset folder (city for the outdoor models, indoor for senseray3d and floorplan-unet); "
                        "indoor models take several: the first is the run's (its test split stays unseen), the "
                        "others add their train and val entries")
    t.add_argument("--out", required=True, help="run folder (checkpoints, logs, curves)")
    t.add_argument("--resume", action="store_true", help="continue the run in --out")
    t.add_argument("--quiet", action="store_true", help="warnings only: no progress bar, no progress notes")
    t.set_defaults(func=_train)
    e = sub.add_parser("evaluate", help="score a run and the physics baselines on datasets")
    e.add_argument("--run", required=True, help="run folder made by `synthrm train`")
    e.add_argument("--data", required=True, nargs="+", help="dataset folder(s)")
    e.add_argument("--split", nargs="+", help="indoor: splits to score (default: val and test)")
    e.add_argument("--label-sources", help="outdoor: score only labels of these provenance codes (path_gain_source; "
                                           "default all, 1-6; e.g. 1,2 for Monte Carlo labels only)")
    e.add_argument("--quiet", action="store_true", help="warnings only: no progress bar, no progress notes")
    e.set_defaults(func=_evaluate)
    en = sub.add_parser("ensemble", help="average trained runs' predictions: a run folder evaluate, predict and "
                                         "export-model take")
    en.add_argument("runs", nargs="+", metavar="RUN", help="run folders made by `synthrm train` (2 or more, made alike)")
    en.add_argument("--out", required=True, help="the ensemble's run folder")
    en.set_defaults(func=_ensemble)
    pr = sub.add_parser("predict", help="figure of input, truth, prediction and error for one example")
    model = pr.add_mutually_exclusive_group(required=True)
    model.add_argument("--run", help="run folder made by `synthrm train` (predicts with PyTorch)")
    model.add_argument("--onnx", metavar="MODEL.onnx",
                       help="model written by `synthrm export-model` (predicts with onnxruntime)")
    pr.add_argument("--data", required=True)
    pr.add_argument("--sample", help="sample id / indoor entry id (default: the first)")
    pr.add_argument("--tx", type=int, default=0, help="outdoor: transmitter index (default 0)")
    pr.add_argument("--height", type=float, help="indoor: receiver height [m] (default 1.2)")
    pr.add_argument("--out", required=True, help="output PNG")
    pr.set_defaults(func=_predict)
    xm = sub.add_parser("export-model", help="write a run's best model for deployment (ONNX: path gain in dB from "
                                             "image and Tx vector; docs/learning.md)")
    xm.add_argument("run", metavar="RUN", help="run folder made by `synthrm train`")
    xm.add_argument("--format", default=MODEL_FORMATS[0], choices=MODEL_FORMATS, metavar="FORMAT",
                    help="one of: %(choices)s (default %(default)s)")
    xm.add_argument("--out", required=True, help="output file (model.onnx)")
    xm.add_argument("--opset", type=int, default=ONNX_OPSET, help="ONNX opset (default %(default)s)")
    xm.set_defaults(func=_export_model)


def _outputs(args) -> list:
    """What a command is about to make: its ``--out`` (a file or folder)."""
    from pathlib import Path

    out = getattr(args, "out", None)
    return [Path(out)] if out else []


def _holds_work(path) -> bool:
    """An output worth keeping after a failure: a dataset with complete shards (a rerun
    resumes) or a training run with a finished epoch (``--resume``)."""
    from synthrm.generate.run import holds_shards

    return holds_shards(path) or (path / "last.pt").is_file()


def main(argv: list[str] | None = None) -> int:
    import contextlib

    from synthrm.files import new_output

    try:
        parser = build_parser()  # reads the registries: a broken plugin is a one-line error
    except SynthrmError as e:
        print(f"synthrm: error: {e}", file=sys.stderr)
        return 2
    args, extra = parser.parse_known_args(argv)
    if extra:  # the sub-command's usage, not the top-level one
        args.parser.unrecognized(extra)
    try:
        # a refused or failed command leaves nothing it made (complete shards excepted)
        with contextlib.ExitStack() as stack:
            for out in _outputs(args):
                stack.enter_context(new_output(out, keep=_holds_work))
            return args.func(args)
    except SynthrmError as e:
        print(f"synthrm {args.cmd}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"synthrm {args.cmd}: interrupted; run the same command again to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
