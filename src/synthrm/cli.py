"""Command-line interface: ``synthrm generate``, ``validate``, ``validate-physics``,
``config show``, ``orchestrate``, ``show``,
``export-ply``, ``export``, ``import-synthrm-platform``, ``relabel``, ``report``, ``train``, ``evaluate``,
``predict``, ``view``.

Thin: parses arguments into a config and calls the library. Every
:class:`synthrm.errors.SynthrmError` becomes one line on stderr and exit code 2.
"""
from __future__ import annotations

import argparse
import sys

from synthrm.errors import ConfigError, SynthrmError


def _rays(text: str) -> int | str:
    """argparse type of a ray count flag (:func:`synthrm.radio.budget.parse_rays`)."""
    from synthrm.radio.budget import parse_rays

    try:
        return parse_rays(text)
    except ConfigError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _set(args, pairs) -> dict:
    """{key: args.<attr>} for the (key, attr) pairs whose flag was given."""
    return {k: getattr(args, a) for k, a in pairs if getattr(args, a) is not None}


def _relabel(args) -> int:
    from synthrm.generate import relabel

    radio = _set(args, [(k, k) for k in ("samples_per_tx", "max_samples_per_tx", "max_rays_per_frame", "max_depth",
                                         "tx_per_frame", "antenna", "min_rays", "max_rings", "diffraction", "fill")])
    vas = _set(args, [("cell", "vas_cell"), ("target_cell_m", "target_cell_m"), ("max_stride", "max_stride")])
    r = relabel(args.dir, args.out, radio=radio, vas=vas, defaults=args.defaults, progress=not args.quiet)
    if r["samples"]:
        print(f"relabelled {r['samples']} samples of {args.dir} into {args.out} ({r['skipped_shards']} shards "
              f"already done{'; new transmitters drawn' if r['new_transmitters'] else ''}); radio {r['radio_s']:.1f} s")
    else:
        print(f"{args.out}: all {r['skipped_shards']} shards already relabelled; nothing to do")
    return 0


def _scene_camera_overrides(args) -> dict:
    """Config overrides from the shared flags --seed, --resolution and --view."""
    from synthrm.camera.config import parse_resolution

    over = _set(args, [("seed", "seed")])
    camera = _set(args, [("view", "view")])
    if args.resolution is not None:
        camera["resolution"] = parse_resolution(args.resolution)
    if camera:
        over["camera"] = camera
    return over


def _generate_indoor(args) -> int:
    from synthrm.config import make_indoor_config
    from synthrm.generate import generate_indoor

    if args.config:
        raise ConfigError("--config: YAML configs are for the city presets so far; use flags for indoor presets")
    for flag, val in (("--variations", args.variations), ("--plan", args.plan), ("--ray-address", args.ray_address),
                      ("--ray-local", args.ray_local)):
        if val is not None:
            raise ConfigError(f"{flag}: only for the city presets")
    over = _set(args, [("scenes", "scenes"), ("tx_per_scene", "tx_per_scene"), ("seed", "seed"),
                       ("voxel_size_m", "voxel_size")])
    radio = _set(args, [("samples_per_tx", "samples_per_tx"), ("max_depth", "max_depth")])
    if radio:
        over["radio"] = radio
    cfg = make_indoor_config(args.preset, over)
    report = generate_indoor(cfg, args.out, progress=not args.quiet)
    if report["scenes"]:
        print(f"wrote {report['scenes']} apartments x {cfg.tx_per_scene} Tx to {args.out} "
              f"({report['skipped']} already complete)")
        for k, v in report["stage_total_s"].items():
            print(f"  {k:<8} {v:9.2f} s")
    else:
        print(f"{args.out}: all {report['skipped']} apartments already complete; nothing to do")
    return 0


def _generate(args) -> int:
    from synthrm.config import INDOOR_PRESETS, city_config
    from synthrm.generate import generate

    if args.preset in INDOOR_PRESETS:
        return _generate_indoor(args)
    for flag, val in (("--scenes", args.scenes), ("--tx-per-scene", args.tx_per_scene), ("--voxel-size", args.voxel_size)):
        if val is not None:
            raise ConfigError(f"{flag}: only for indoor presets ({', '.join(sorted(INDOOR_PRESETS))})")

    over = _scene_camera_overrides(args)
    over.update(_set(args, [("frames", "frames"), ("plan", "plan")]))
    if args.variations is not None:
        from synthrm.render.config import variation_preset

        over["variations"] = variation_preset(args.variations)
    radio = _set(args, [(k, k) for k in ("tx_per_frame", "antenna", "samples_per_tx", "max_depth")])
    if args.no_radio:
        radio["enabled"] = False
    if radio:
        over["radio"] = radio
    if args.plan is not None and not args.config:  # the plan's own settings are the base; flags override them
        from synthrm.orchestrate import config_from_plan

        cfg = config_from_plan(args.plan, args.preset, over)
    else:
        cfg = city_config(args.preset, args.config, over)
    if args.ray_address is not None and args.ray_local is not None:
        raise ConfigError("--ray-address and --ray-local: give one of them")
    ray = dict(executor="ray", ray_address=args.ray_address, ray_local_workers=args.ray_local or 0,
               cpus_per_task=args.ray_cpus_per_task, gpus_per_task=args.ray_gpus_per_task,
               max_retries=args.max_retries) if (args.ray_address or args.ray_local) else {}
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


def _config_show(args) -> int:
    from synthrm.config import INDOOR_PRESETS, city_config, make_indoor_config, to_yaml
    from synthrm.render.config import variation_preset

    if args.preset in INDOOR_PRESETS:
        if args.config or args.variations:
            raise ConfigError("--config/--variations: only for the city presets")
        cfg = make_indoor_config(args.preset)
    else:
        over = {"variations": variation_preset(args.variations)} if args.variations else {}
        cfg = city_config(args.preset, args.config, over)
    print(f"# the full effective config of preset {cfg.preset!r}"
          + (f" with {args.config}" if args.config else "") + "; every key can go in a YAML --config")
    print(to_yaml(cfg), end="")
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

    from synthrm.config import INDOOR_PRESETS, city_config
    from synthrm.orchestrate import orchestrate, write_plan

    if args.scene in INDOOR_PRESETS:
        raise ConfigError(f"--scene: orchestration is for the city presets, not {args.scene!r}")
    cfg = city_config(args.scene, args.config, _scene_camera_overrides(args))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    plan = orchestrate(cfg, out.parent, candidates=args.candidates, k=args.views, seed=cfg.seed,
                       progress=not args.quiet, track_length=args.track_length)
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
    from synthrm.dataset.hdf5 import dataset_kind, list_samples, read_sample
    from synthrm.viz import indoor_figure, sample_figure

    if str(args.dir).endswith(".json"):
        return _show_plan(args)
    sid = args.sample or list_samples(args.dir)[0][1]
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
    from synthrm.dataset.hdf5 import list_samples, read_sample
    from synthrm.radio.export import export_sample_ply

    sid = args.sample or list_samples(args.dir)[0][1]
    out = export_sample_ply(read_sample(args.dir, sid), args.out, tx=args.tx)
    print(f"wrote {out} (sample {sid}, Tx {args.tx}; faces carry path_gain_db and a viridis colour)")
    return 0


def _train(args) -> int:
    from synthrm.models.config import TrainConfig
    from synthrm.models.registry import MODELS
    from synthrm.models.train import train

    over = _set(args, [(k, k) for k in ("model", "epochs", "batch_size", "lr", "weight_decay", "width", "inputs",
                                         "val_fraction", "patience", "restart_epochs", "amp", "seed", "device",
                                         "max_steps_per_epoch", "label_sources", "label_weighting")])
    if "batch_size" not in over and MODELS.get(over["model"], "--model").kind == "indoor":
        over["batch_size"] = 1  # one apartment grid per step
    r = train(TrainConfig(**over), args.data, args.out, resume=args.resume, progress=not args.quiet)
    if r["best_epoch"] is not None:
        print(f"{args.out}: {r['epochs_run']} epochs logged, best epoch {r['best_epoch']} "
              f"(validation loss {r['best_val_loss']:.4g}){'; stopped early' if r['stopped_early'] else ''}; "
              f"log {args.out}/log.csv, curves {args.out}/loss.png")
    return 0


def _evaluate(args) -> int:
    from synthrm.models.evaluate import EVAL_JSON, EVAL_MD, evaluate, results_table

    res = None
    for d in args.data:
        res = evaluate(args.run, d, splits=args.split, progress=not args.quiet, label_sources=args.label_sources)
    print(results_table(res), end="")
    print(f"wrote {args.run}/{EVAL_JSON} and {args.run}/{EVAL_MD}")
    return 0


def _predict(args) -> int:
    from synthrm.models.evaluate import predict_figure

    out = predict_figure(args.run, args.data, args.out, sample=args.sample, tx=args.tx, height_m=args.height)
    print(f"wrote {out}")
    return 0


def _export(args) -> int:
    from synthrm.export import export_dataset

    out = export_dataset(args.dir, args.format, args.out, block=args.block)
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

    p = write_report(args.dirs, args.out, runs=args.runs or [])
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


def build_parser() -> argparse.ArgumentParser:
    from synthrm import __version__
    from synthrm.camera.config import VIEWS
    from synthrm.config import preset_names
    from synthrm.export.registry import FORMATS
    from synthrm.radio.antenna import ANTENNAS
    from synthrm.render.config import VARIATION_PRESETS

    p = argparse.ArgumentParser(prog="synthrm", description="Vision-aligned radio data.")
    p.add_argument("--version", action="version", version=f"synthrm {__version__}")
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate", help="generate (or resume) a dataset")
    g.add_argument("--preset", help=f"named preset: {', '.join(preset_names())} (default city-mix)")
    g.add_argument("--config", help="YAML config file (alternative to flags; flags override it)")
    g.add_argument("--frames", type=int, help="number of samples")
    g.add_argument("--resolution", help="image size WIDTHxHEIGHT, e.g. 256x192")
    g.add_argument("--seed", type=int, help="master seed (same seed, same dataset)")
    g.add_argument("--view", choices=VIEWS, help="camera pose sampler")
    g.add_argument("--tx-per-frame", type=int, help="transmitters per frame (default 4)")
    g.add_argument("--antenna", choices=ANTENNAS.names(), help="transmit antenna (default siso)")
    g.add_argument("--samples-per-tx", type=_rays, help="rays per transmitter: an integer or auto (default: city auto = "
                   "5e6 first pass with progressive passes on a CPU, 1e8 on CUDA; indoor 1000000; the SynthRM paper: 2**31)")
    g.add_argument("--max-depth", type=int, help="max interactions per path (default: city 5, indoor 20; the papers: 20)")
    g.add_argument("--no-radio", action="store_true", help="optical data only (no ray tracing)")
    g.add_argument("--variations", choices=tuple(VARIATION_PRESETS),
                   help="environmental variations of the images: none (default; fixed sun), default "
                        "(daylight hours, some fog and blur, sensor noise), all (noon to midnight, more fog and blur)")
    g.add_argument("--plan", help="views from `synthrm orchestrate` (plan.json) instead of random poses")
    g.add_argument("--ray-address", help="run the shards as tasks on this Ray cluster (an address or `auto`)")
    g.add_argument("--ray-local", type=int, help="run the shards on a local Ray with N worker CPUs")
    g.add_argument("--ray-cpus-per-task", type=float, default=1.0, help="CPUs each shard task declares (default 1)")
    g.add_argument("--ray-gpus-per-task", type=float, default=0.0,
                   help="GPUs each shard task declares (default 0; e.g. 1 to ray-trace with CUDA)")
    g.add_argument("--max-retries", type=int, default=3, help="Ray: retries of a shard whose worker died (default 3)")
    g.add_argument("--scenes", type=int, help="indoor: apartments to generate (default 2)")
    g.add_argument("--tx-per-scene", type=int, help="indoor: transmitters per apartment (default 5)")
    g.add_argument("--voxel-size", type=float, help="indoor: voxel and ground-truth cell size [m] (default 0.1)")
    g.add_argument("--out", required=True, help="dataset folder (resumed if it exists)")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    g.set_defaults(func=_generate)
    for name, what, out, func in (("show", "draw one sample's panels into a PNG", "PNG", _show),
                                   ("export-ply", "write a sample's radio-textured mesh", ".ply", _export_ply)):
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
    o.add_argument("--candidates", type=int, default=60, help="candidate poses to render and match (default 60)")
    o.add_argument("--views", type=int, default=12, help="views to select (default 12)")
    o.add_argument("--track-length", type=int, default=4,
                   help="candidates come in short tracks of this many views, like a capture (default 4; 1: independent)")
    o.add_argument("--seed", type=int, help="master seed (the city and the candidates)")
    o.add_argument("--view", choices=VIEWS, help="camera pose sampler")
    o.add_argument("--resolution", help="candidate image size WIDTHxHEIGHT (default: the preset's)")
    o.add_argument("--out", required=True, help="plan JSON; the scene folder goes beside it")
    o.add_argument("--quiet", action="store_true", help="no progress bar")
    o.set_defaults(func=_orchestrate)
    c = sub.add_parser("config", help="configuration tools")
    csub = c.add_subparsers(dest="config_cmd", required=True)
    cs = csub.add_parser("show", help="print the full effective config (YAML) of a preset")
    cs.add_argument("--preset", help=f"named preset: {', '.join(preset_names())} (default city-mix)")
    cs.add_argument("--config", help="YAML config file to apply on top of the preset")
    cs.add_argument("--variations", choices=tuple(VARIATION_PRESETS), help="a variations preset to apply")
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
    rl.add_argument("--samples-per-tx", type=_rays, help="rays per transmitter of the first pass (integer or auto)")
    rl.add_argument("--max-samples-per-tx", type=_rays, help="progressive budget: most rays per Tx (integer or auto)")
    rl.add_argument("--max-rays-per-frame", type=_rays, help="progressive budget: most rays per frame (integer or auto)")
    rl.add_argument("--max-depth", type=int, help="max interactions per path")
    rl.add_argument("--tx-per-frame", type=int, help="transmitters per frame (draws new transmitters)")
    rl.add_argument("--antenna", choices=ANTENNAS.names(), help="transmit antenna (draws new transmitters)")
    rl.add_argument("--min-rays", type=int, help="rays a noise-control window must hold")
    rl.add_argument("--max-rings", type=int, help="widest noise-control window [rings]")
    rl.add_argument("--diffraction", action=argparse.BooleanOptionalAction, default=None,
                    help="first-order diffraction in the Monte Carlo map")
    rl.add_argument("--fill", action=argparse.BooleanOptionalAction, default=None,
                    help="label the faces no window reaches (provenance 3 and 4)")
    rl.add_argument("--vas-cell", choices=("pixel", "stride", "adaptive"), help="VAS receiver cells")
    rl.add_argument("--target-cell-m", type=float, help="VAS adaptive cell edge [m]")
    rl.add_argument("--max-stride", type=int, help="VAS adaptive: largest pixel stride")
    rl.add_argument("--quiet", action="store_true", help="no progress bar")
    rl.set_defaults(func=_relabel)
    x = sub.add_parser("export", help="write a dataset's poses, images and meshes for other 3D tools")
    x.add_argument("dir", help="dataset folder (city)")
    x.add_argument("--format", required=True, choices=FORMATS.names())
    x.add_argument("--out", required=True, help="output folder")
    x.add_argument("--block", type=int, help="synthrm-platform: number N of the first block_<N> folder; one block "
                                             "per scene, numbered on (default 0)")
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
    return p


def _learning_parsers(sub) -> None:
    from synthrm.models.config import TrainConfig
    from synthrm.models.registry import MODELS

    d = TrainConfig()
    t = sub.add_parser("train", help="train a model of the learning benchmark on a dataset")
    t.add_argument("--model", required=True, choices=MODELS.names())
    t.add_argument("--data", required=True, help="dataset folder (city for the outdoor models, indoor for senseray3d)")
    t.add_argument("--out", required=True, help="run folder (checkpoints, logs, curves)")
    t.add_argument("--resume", action="store_true", help="continue the run in --out")
    for flag, typ, what in (("--epochs", int, f"epochs (default {d.epochs})"),
                            ("--batch-size", int, f"examples per step (default {d.batch_size}; senseray3d 1)"),
                            ("--lr", float, f"AdamW learning rate (default {d.lr})"),
                            ("--weight-decay", float, f"AdamW weight decay (default {d.weight_decay})"),
                            ("--width", int, "model size: U-Net/PMNet base channels (32), SwinUNETR feature_size (12)"),
                            ("--val-fraction", float, f"outdoor: fraction of scenes for validation (default {d.val_fraction})"),
                            ("--patience", int, f"early stopping patience in epochs, 0 = off (default {d.patience})"),
                            ("--restart-epochs", int, f"cosine warm-restart period T_0 (default {d.restart_epochs})"),
                            ("--seed", int, f"seed of init, split and shuffling (default {d.seed})"),
                            ("--max-steps-per-epoch", int, "cap on steps per epoch (default: a full pass)")):
        t.add_argument(flag, type=typ, help=what)
    t.add_argument("--label-sources", help="outdoor: label provenance codes the loss sees (path_gain_source; "
                                           "default 1,2,3,4; e.g. 1,2 for Monte Carlo labels only)")
    t.add_argument("--label-weighting", choices=("none", "std"),
                   help="outdoor: weight each label by 1/(path_gain_std_db^2 + 1 dB^2) (std) or not (none, default)")
    t.add_argument("--inputs", choices=("rgb", "rgbd", "rgbd-fspl"),
                   help="outdoor image channels: rgb (default, the SynthRM paper's), rgbd (+ log depth), rgbd-fspl "
                        "(+ free-space map; the network learns a residual over it)")
    t.add_argument("--amp", choices=("auto", "on", "off"), help="mixed precision (default auto: on with CUDA)")
    t.add_argument("--device", choices=("auto", "cpu", "cuda"), help="default auto")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.set_defaults(func=_train)
    e = sub.add_parser("evaluate", help="score a run and the physics baselines on datasets")
    e.add_argument("--run", required=True, help="run folder made by `synthrm train`")
    e.add_argument("--data", required=True, nargs="+", help="dataset folder(s)")
    e.add_argument("--split", nargs="+", help="indoor: splits to score (default: val and test)")
    e.add_argument("--label-sources", help="outdoor: score only labels of these provenance codes (path_gain_source; "
                                           "default all, 1,2,3,4; e.g. 1,2 for Monte Carlo labels only)")
    e.add_argument("--quiet", action="store_true", help="no progress bar")
    e.set_defaults(func=_evaluate)
    pr = sub.add_parser("predict", help="figure of input, truth, prediction and error for one example")
    pr.add_argument("--run", required=True)
    pr.add_argument("--data", required=True)
    pr.add_argument("--sample", help="sample id / indoor entry id (default: the first)")
    pr.add_argument("--tx", type=int, default=0, help="outdoor: transmitter index (default 0)")
    pr.add_argument("--height", type=float, help="indoor: receiver height [m] (default 1.2)")
    pr.add_argument("--out", required=True, help="output PNG")
    pr.set_defaults(func=_predict)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except SynthrmError as e:
        print(f"synthrm {args.cmd}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"synthrm {args.cmd}: interrupted; run the same command again to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
