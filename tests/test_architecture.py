"""The package's floor plan: no import cycle (imports inside functions included), each
layer imports only the layers below it, and the learning and analysis code does not load
the ray tracer. One owner per concept: one ray budget, one construction of a camera from
its settings, one run loop; the benchmarks and documented examples use public names only,
and every benchmark runs here on a tiny input, so none can rot."""
import ast
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import synthrm

SRC = Path(synthrm.__file__).parent

#: Layers, bottom to top: a module may import its own layer and the ones below, never above.
LAYERS = [
    {"synthrm", "synthrm.errors", "synthrm.checks", "synthrm.registry", "synthrm.files", "synthrm.figures",
     "synthrm.color", "synthrm.ply", "synthrm.seeds", "synthrm.metrics", "synthrm._llvm", "synthrm._mitsuba"},
    {"synthrm.camera", "synthrm.scene"},
    {"synthrm.render", "synthrm.vas"},
    {"synthrm.radio"},
    {"synthrm.voxel", "synthrm.config", "synthrm.dataset"},
    {"synthrm.orchestrate"},
    {"synthrm.generate"},
    {"synthrm.models", "synthrm.analysis", "synthrm.export", "synthrm.viz", "synthrm.viewer"},
    {"synthrm.cli"},
]


def _modules() -> dict[str, Path]:
    out = {}
    for p in SRC.rglob("*.py"):
        parts = p.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = p
    return out


def _imports(path: Path, name: str, modules: dict) -> set[str]:
    """Every synthrm module ``path`` imports, at module level or inside functions."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            for a in node.names:
                sub = f"{base}.{a.name}"
                found.add(sub if sub in modules else base)
    return {m for m in found if m in modules and m != name}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {n: _imports(p, n, modules) for n, p in modules.items()}


def _layer(module: str) -> int:
    for i, layer in enumerate(LAYERS):
        if module in layer or any(module.startswith(top + ".") for top in layer if top != "synthrm"):
            return i
    raise AssertionError(f"{module}: in no layer of LAYERS; add it where it belongs")


def test_no_import_cycle():
    graph = _graph()
    state: dict[str, int] = {}  # 1: on the stack, 2: done

    def visit(m, stack):
        state[m] = 1
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                cycle = stack[stack.index(n):] + [n]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if n not in state:
                visit(n, stack + [n])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])


def test_the_cycle_finder_finds_a_cycle(tmp_path):
    """The walker sees imports inside functions (the way the old cycles hid)."""
    pkg = tmp_path / "p"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from p.b import g\n")
    (pkg / "b.py").write_text("from p import a\n")
    mods = {"p": pkg / "__init__.py", "p.a": pkg / "a.py", "p.b": pkg / "b.py"}
    assert _imports(pkg / "a.py", "p.a", mods) == {"p.b"}
    assert _imports(pkg / "b.py", "p.b", mods) == {"p.a"}


def test_layers_import_only_downwards():
    bad = [f"{m} (layer {_layer(m)}) imports {n} (layer {_layer(n)})"
           for m, deps in _graph().items() for n in deps
           if _layer(n) > _layer(m) and not (m == "synthrm" or n == m)]
    assert not bad, "\n".join(bad)


def test_no_private_name_crosses_a_module():
    """``from synthrm.x import _name`` only inside the package that owns ``_name``."""
    bad = []
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("synthrm"):
                owner = node.module.split(".")[:2]
                for a in node.names:
                    if a.name.startswith("_") and not a.name.startswith("__") and name.split(".")[:2] != owner:
                        bad.append(f"{name}: from {node.module} import {a.name}")
    assert not bad, "\n".join(bad)


def test_models_and_analysis_do_not_load_the_ray_tracer():
    code = ("import sys, synthrm.models, synthrm.analysis, synthrm.radio, synthrm.radio.physics; "
            "print(sorted(m for m in ('drjit', 'mitsuba', 'sionna') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out


def test_the_cli_loads_neither_torch_nor_the_ray_tracer_to_start():
    """The registries are read lazily: building the parser (every choice list included)
    imports no model and no renderer; ``synthrm train --help`` then loads the models."""
    code = ("import sys; from synthrm.cli import build_parser; build_parser(); "
            "print(sorted(m for m in ('torch', 'drjit', 'mitsuba', 'sionna') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out


# ------------------------------------------------------------------ one owner per concept
ROOT = SRC.parents[1]
BENCHMARKS = ROOT / "benchmarks"


def _project_files() -> list[Path]:
    """The package's and the benchmarks' Python files."""
    return sorted(SRC.rglob("*.py")) + sorted(BENCHMARKS.glob("*.py"))


def _calls(path: Path, name: str) -> list[int]:
    """Lines of ``path`` that call ``name`` (a function or a method of that name)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            f = node.func
            if (isinstance(f, ast.Name) and f.id == name) or (isinstance(f, ast.Attribute) and f.attr == name):
                out.append(node.lineno)
    return out


def _names(path: Path) -> set[str]:
    """Every name ``path`` reads (``Name`` nodes, attributes and imported names)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.ImportFrom):
            found |= {a.name for a in node.names}
    return found


def test_one_definition_of_the_ray_budget():
    """The radio settings become ray counts in one place, ``RadioConfig.budget``, for city
    frames and indoor planes alike; only ``radio/budget.py`` knows the default counts."""
    calls = {str(p.relative_to(ROOT)): _calls(p, "resolve_budget") for p in _project_files()}
    assert {p: n for p, n in calls.items() if n} == {"src/synthrm/radio/config.py": calls["src/synthrm/radio/config.py"]}
    assert len(calls["src/synthrm/radio/config.py"]) == 1
    from synthrm.radio import budget

    constants = {n for n in vars(budget) if n.startswith(("CPU_", "CUDA_"))}
    assert constants
    users = [str(p.relative_to(ROOT)) for p in _project_files() if constants & _names(p)]
    assert users == ["src/synthrm/radio/budget.py"]


def test_one_construction_of_a_camera_from_its_settings():
    """A camera is built from its settings by ``CameraConfig.camera`` / ``ScanConfig.camera``
    (``PinholeSettings.camera``): nothing outside ``synthrm.camera`` calls ``from_fov``."""
    calls = {str(p.relative_to(ROOT)): _calls(p, "from_fov") for p in _project_files()}
    assert {p for p, n in calls.items() if n} == {"src/synthrm/camera/config.py"}
    assert len(calls["src/synthrm/camera/config.py"]) == 1


def test_one_run_loop():
    """The shard loop is ``run_shard``: it alone makes the frames of a generation, and the
    benchmarks drive no stage, variant scope or shard writer of their own."""
    makers = {str(p.relative_to(ROOT)) for p in _project_files() if _calls(p, "Frame")}
    assert makers == {"src/synthrm/generate/units.py"}
    for p in _project_files():
        rel = str(p.relative_to(ROOT))
        if rel.startswith("benchmarks/"):
            assert not {"ShardWriter", "rgb_scope", "frame_seed", "Frame", "SceneStage", "PoseStage", "RGBStage",
                        "VASStage", "RadioStage"} & _names(p), rel


def _code_outside_src() -> dict[str, str]:
    """The Python a user runs or copies: the benchmarks and the code blocks of the docs."""
    import re

    out = {str(p.relative_to(ROOT)): p.read_text() for p in sorted(BENCHMARKS.glob("*.py"))}
    for md in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for k, block in enumerate(re.findall(r"```python\n(.*?)```", md.read_text(), re.S)):
            out[f"{md.relative_to(ROOT)} block {k}"] = block
    return out


def test_no_private_synthrm_name_outside_src():
    """Benchmarks and documented examples use public names only: no ``synthrm._*`` module
    and no ``_name`` of a synthrm module (the tests of the private modules are the
    exception: they test them)."""
    bad = []
    for where, code in _code_outside_src().items():
        for node in ast.walk(ast.parse(code)):
            mods = []
            if isinstance(node, ast.Import):
                mods = [(a.name, None) for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                mods = [(node.module, a.name) for a in node.names]
            for mod, name in mods:
                if mod.split(".")[0] != "synthrm":
                    continue
                if any(part.startswith("_") for part in mod.split(".")) or (name or "x").startswith("_"):
                    bad.append(f"{where}: {mod}{'.' + name if name else ''}")
    assert not bad, "\n".join(bad)


def test_benchmarks_are_importable():
    import importlib

    sys.path.insert(0, str(BENCHMARKS))
    try:
        for p in sorted(BENCHMARKS.glob("*.py")):
            mod = importlib.import_module(p.stem)
            assert callable(getattr(mod, "main", None)) or p.stem in ("reproduce_doc", "reproduce_setup"), p.name
    finally:
        sys.path.remove(str(BENCHMARKS))


#: Settings that make a benchmark's city tiny: 2x2 blocks, 2 samples per pixel, few rays.
TINY_CITY = ["--set", "city.blocks_x=2", "--set", "city.blocks_y=2", "--set", "city.block_size_m=[50,70]",
             "--set", "city.outskirts_m=200.0", "--set", "render.spp=2"]
TINY_RADIO = ["--set", "radio.samples_per_tx=20000", "--set", "radio.tx_per_frame=2"]
#: The same for an apartment (one small apartment, one Tx, one receiver plane).
TINY_INDOOR = ["tx_per_scene=1", "heights_m=[1.0]", "apartment.area_m2=[20,30]", "apartment.room_max_m2=14.0",
               "scan.resolution=[32,24]", "scan.headings=2", "scan.spp=1", "radio.samples_per_tx=20000",
               "radio.max_depth=2", "voxel_size_m=0.2"]


def _bench(name: str):
    import importlib

    sys.path.insert(0, str(BENCHMARKS))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(BENCHMARKS))


def test_bench_frame_runs_on_a_tiny_input():
    out = _bench("bench_frame").main(["--frames", "1", "--resolution", "32x24", *TINY_CITY])
    assert set(out["median_s"]) == {"scene", "pose+gbuffers", "rgb", "vas", "write"}
    assert out["frame_s"] > 0 and out["first_frame_s"] >= out["frame_s"]


def test_bench_radio_runs_on_a_tiny_input(tmp_path):
    out = _bench("bench_radio").main(["--frames", "1", "--resolution", "32x24", "--keep", str(tmp_path),
                                      *TINY_CITY, *TINY_RADIO])
    (row,) = out["frames"]
    assert row["rays_per_tx"] == [20000, 20000] and 0 < row["density"] <= 1
    assert abs(sum(row["source_share"].values()) - 1) < 1e-9 and row["solver_s"] <= row["radio_s"]
    import h5py

    with h5py.File(tmp_path / "bench.h5") as f:
        assert sorted(f["samples"]) == ["000000", "000001"]


def test_bench_scale_runs_on_a_tiny_input():
    out = _bench("bench_scale").main(["--frames", "1", "--reps", "1", "--resolution", "32x24", "--samples-per-tx",
                                      "20000", "--skip-ray", *TINY_CITY, *TINY_RADIO])
    assert out["executors"]["local_s"] > 0 and out["solver_rays_per_s"] > 0
    assert out["scaling"]["rays per Tx"]["x"] == [5000, 20000, 80000]
    assert out["scaling"]["resolution (pixels)"]["x"] == [16 * 12, 32 * 24, 64 * 48]
    assert all(np.isfinite(v["frame_exponent"]) for v in out["scaling"].values())


def test_bench_indoor_runs_on_a_tiny_input():
    out = _bench("bench_indoor").main([a for kv in TINY_INDOOR for a in ("--set", kv)])
    (apt,) = out["apartments"]
    assert 0 < apt["wall_recall"] <= 1 and set(out["per_apartment_s"]) == {"scene", "scan", "voxel", "radio", "write"}


def test_bench_models_runs_on_a_tiny_input():
    rows = _bench("bench_models").main(["--resolution", "64x48", "--repeats", "1", "--frames", "1", "--width", "8",
                                        "--no-indoor-onnx", *TINY_CITY, *TINY_RADIO,
                                        *[a for kv in TINY_INDOOR for a in ("--indoor-set", kv)]])
    assert [r["model"] for r in rows] == ["radiounet-s", "pmnet-s", "unetdcn-s", "radiounet-s (geometry)",
                                          "senseray3d", "floorplan-unet"]
    assert all(r["torch_s"] > 0 and r["radio_s"] > 0 and r["frame_s"] >= r["radio_s"] for r in rows)
    assert all(r["onnx_s"] > 0 and r["radio_vs_onnx"] == r["radio_s"] / r["onnx_s"] for r in rows[:4])
    # the geometry inputs (LoS marching) cost more to build than RGB alone
    assert rows[3]["inputs_s"] > rows[0]["inputs_s"] > 0
    assert all(np.isnan(r["onnx_s"]) and r["target_met"] is False for r in rows[4:])
    # the multi-wall prior's and the wall channels' marching, timed per entry
    assert all(r["prior_s"] > 0 and r["walls_s"] > 0 and r["inputs_s"] == r["prior_s"] + r["walls_s"] for r in rows[4:])


def test_bench_orchestrate_runs_on_a_tiny_input():
    rows = _bench("bench_orchestrate").main(["--seeds", "0", "--views", "uav", "--candidates", "4", "--k", "2",
                                             "--resolution", "64x48", "--spp", "1", "--random-trials", "2",
                                             "--track-length", "2", *TINY_CITY])
    (r,) = rows
    assert r["facade_selected_m2"] > 0 and r["communities"] >= 1


def test_reproduce_writes_the_committed_page_from_its_results(tmp_path):
    """``docs/reproduction.md`` is exactly what ``reproduce.py --doc-only`` writes from the
    results beside it (every section of ``reproduce_doc.write_doc``)."""
    import shutil

    (tmp_path / "reproduction").mkdir()
    shutil.copy(ROOT / "docs" / "reproduction" / "results.json", tmp_path / "reproduction")
    _bench("reproduce").main(["--doc-only", "--out", str(tmp_path / "reproduction.md")])
    assert (tmp_path / "reproduction.md").read_text() == (ROOT / "docs" / "reproduction.md").read_text()


def test_reproduce_seed_offset_moves_every_data_seed():
    setup = _bench("reproduce_setup")
    seeds = {(n, k): setup.data_seed(n, 0, k) for n in setup.DATA_SEEDS for k in range(8)}
    moved = {setup.data_seed(n, 1000, k) for n, k in seeds}
    assert not moved & set(seeds.values()) and setup.data_seed("preset", 1000) == 1051
    with pytest.raises(SystemExit, match="--seed-offset: must be 0 or >= 100"):
        _bench("reproduce").main(["--doc-only", "--seed-offset", "50"])


def test_reproduce_page_with_an_independent_rerun(tmp_path):
    """``--rerun``: the page reports the agreement of every estimate and prints a verdict
    only where both runs hold it (a flipped BC reads "not settled" with both values); a
    rerun with the same seeds is refused; ``--doc-only`` keeps the rerun it saved."""
    import copy
    import json
    import shutil

    (tmp_path / "reproduction").mkdir()
    shutil.copy(ROOT / "docs" / "reproduction" / "results.json", tmp_path / "reproduction")
    full = json.loads((ROOT / "docs" / "reproduction" / "results.json").read_text())
    full.pop("rerun", None)  # the committed rerun, if any: this test makes its own
    rerun = copy.deepcopy(full)
    rerun["preset"]["pmax"].update(bc=0.50, lo=0.40, hi=0.62)  # the preset's bimodality flips
    # the dip test and the mixture's BIC (runs after they were added): the dip flips, the BIC holds
    gmm = {"delta_bic": 40.0, "means": [-85.0, -60.0], "stds": [4.0, 5.0], "weights": [0.1, 0.9]}
    full["fig9"]["all"]["excluded"].update(dip=0.04, dip_p=0.01, gmm=gmm)
    rerun["fig9"]["all"]["excluded"].update(dip=0.03, dip_p=0.30, gmm=gmm)
    (tmp_path / "reproduction" / "results.json").write_text(json.dumps(full))
    (tmp_path / "same.json").write_text(json.dumps(rerun))
    rerun["seed_offset"] = 1000
    (tmp_path / "rerun.json").write_text(json.dumps(rerun))
    out = tmp_path / "reproduction.md"
    rep = _bench("reproduce")
    with pytest.raises(SystemExit, match="same seeds as this run"):
        rep.main(["--doc-only", "--rerun", str(tmp_path / "same.json"), "--out", str(out)])
    rep.main(["--doc-only", "--rerun", str(tmp_path / "rerun.json"), "--out", str(out)])
    page = out.read_text()
    saved = json.loads((tmp_path / "reproduction" / "results.json").read_text())["rerun"]
    n = saved["agreement"]["compared"]
    assert saved["seed_offset"] == 1000 and n > 100 and saved["agreement"]["agree"] == n - 1
    assert f"Of the {n} estimates with a 95 % interval in both runs" in page and "no independent rerun" not in page
    # the difference test beside it: the flipped BC differs by more than its difference's interval too
    ag = saved["agreement"]
    assert ag["difference_agree"] == n - 1 and 0.8 < ag["expected_share"] < 0.85  # equal widths: 0.834
    assert f"{n - 1} of {n} ({(n - 1) / n * 100:.1f} %) pass it, against the target of 90 %: met." in page
    assert "| preset / pmax |" in page and page.count("| **no** |") == 1
    f3 = lambda e: f"{e['bc']:.2f} [{e['lo']:.2f}, {e['hi']:.2f}]"  # noqa: E731
    pre, pooled = f3(full["preset"]["pmax"]), f3(full["fig9"]["all"]["excluded"])
    assert f"| preset / pmax | {pre} |" in page.replace("+", "")
    assert f"Pmax on the preset's data: BC {pre} (rerun: 0.50 [0.40, 0.62]): not settled (full: " \
        f"{pre}; rerun: 0.50 [0.40, 0.62])." in page
    # what both runs hold is printed as the sentence (the committed pooled interval holds 5/9)
    e = full["fig9"]["all"]["excluded"]
    assert e["lo"] <= 5 / 9 <= e["hi"]
    assert f"Pooled over the districts BC is {pooled} (rerun: {pooled}): its interval holds 5/9" in page
    assert "* Closest single setting to the seed's pair (0.80, 0.11): **" in page
    assert "| dip (p) | delta BIC, 2 vs 1 Gaussian |" in page and "| 0.040 (p 0.010) | +40 |" in page
    assert "Hartigan's dip: 0.040 (p 0.010) (rerun: 0.030 (p 0.300)): not settled (full: 0.040 (p 0.010); " \
        "rerun: 0.030 (p 0.300))." in page
    assert "(means -85 / -60 dB, weights 0.10 / 0.90)): BIC strongly favours two components (delta > 10)." in page
    out.unlink()
    rep.main(["--doc-only", "--out", str(out)])
    assert out.read_text() == page


def test_reproduce_refresh_refusals(tmp_path):
    """``--refresh-grid`` / ``--refresh-learning`` / ``--refresh-rerun-learning`` need the saved
    results; the first two one at a time."""
    rep = _bench("reproduce")
    out = str(tmp_path / "reproduction.md")
    with pytest.raises(SystemExit, match="no results to refresh; run without --refresh-grid first"):
        rep.main(["--refresh-grid", "--out", out, "--work", str(tmp_path / "w")])
    with pytest.raises(SystemExit, match="give one at a time"):
        rep.main(["--refresh-grid", "--refresh-learning", "--out", out, "--work", str(tmp_path / "w")])
    with pytest.raises(SystemExit, match="no results to refresh; run without --refresh-rerun-learning first"):
        rep.main(["--refresh-rerun-learning", str(tmp_path), "--out", out, "--work", str(tmp_path / "w")])


def test_bench_labels_runs_on_a_tiny_reference(tiny_dataset, tmp_path):
    """A reference folder made of a tiny dataset and its own labels: the stored labels and
    labels recomputed at the dataset's settings both match it exactly."""
    import shutil

    from synthrm.dataset.hdf5 import list_samples, read_sample

    root, cfg = tiny_dataset
    ref = tmp_path / "reference"
    shutil.copytree(root, ref / "mix")
    labels = {}
    for _, sid in list_samples(root):
        s = read_sample(root, sid, ["path_gain_db"])
        labels[f"{sid}/path_gain_db"] = s["path_gain_db"]
        labels[f"{sid}/rays_per_tx"] = np.array(s["attrs"]["samples_per_tx"])
    np.savez(ref / "reference_mix.npz", **labels)
    bench = _bench("bench_labels")
    stored = bench.main(["--reference", str(ref), "--stored"])
    assert stored["summary"]["all"]["all"]["mae_db"] == 0 and stored["summary"]["all"]["covers_reference"] == 1
    again = bench.main(["--reference", str(ref), "--only", "mix/000000", "--set",
                        f"radio.samples_per_tx={cfg.radio.samples_per_tx}"])
    (row,) = again["frames"]
    assert again["summary"]["all"]["all"]["mae_db"] == 0 and row["rays_per_tx"] == [cfg.radio.samples_per_tx] * 2


def test_learning_table_runs_on_an_evaluated_run(tiny_dataset, tmp_path, capsys):
    from synthrm.cli import main

    root, _ = tiny_dataset
    run = tmp_path / "run"
    assert main(["train", "--model", "radiounet-s", "--data", str(root), "--out", str(run), "--epochs", "1",
                 "--max-steps-per-epoch", "1", "--width", "8", "--device", "cpu", "--quiet"]) == 0
    for extra in ([], ["--label-sources", "1,2"]):
        assert main(["evaluate", "--run", str(run), "--data", str(root), "--quiet", *extra]) == 0
    capsys.readouterr()
    _bench("learning_table").main([str(run), "--json", str(tmp_path / "t.json"), "--md", str(tmp_path / "t.md"),
                                   "--curves", str(tmp_path / "c.png"), "--boot", "200"])
    out = capsys.readouterr().out
    assert "### outdoor:" in out and "radiounet-s [run]" in out and "(labels 1,2)" in out
    assert "MAE [dB] by mechanism" in out and "TR 38.901 UMi (geometric LoS)" in out
    table = json.loads((tmp_path / "t.json").read_text())
    assert any(g.endswith("(labels 1,2)") for g in table["groups"])
    for g, methods in table["groups"].items():
        for m in methods.values():  # a mean inside its own 95 % interval
            assert m["ci95"][0] - 1e-9 <= m["mae_db"] <= m["ci95"][1] + 1e-9
    (v, *_), = [list(table["verdicts"].values())]
    assert v["best_model"] == "radiounet-s [run]" and v["best_baseline"] in {
        "free-space (Friis)", "log-distance", "TR 38.901 UMi (geometric LoS)"}
    assert (tmp_path / "t.md").read_text().strip() and (tmp_path / "c.png").stat().st_size > 0
    # --pair: the same run 1 dB worse on every example is 1 dB worse paired, to the bootstrap's width
    import shutil

    worse = tmp_path / "worse"
    shutil.copytree(run, worse)
    ev = json.loads((worse / "evaluation.json").read_text())
    for r in ev["data"].values():
        for methods in r["groups"].values():
            per = methods["radiounet-s"]["per_example_mae_db"]
            methods["radiounet-s"]["per_example_mae_db"] = [None if x is None else x + 1.0 for x in per]
    (worse / "evaluation.json").write_text(json.dumps(ev))
    paired = _bench("learning_table").main([str(run), str(worse), "--pair", "worse", "run", "--boot", "200"])
    assert len(paired["pairs"]) == len(table["groups"])
    for p in paired["pairs"]:
        assert p["diff_db"] == pytest.approx(1.0) and p["ci95"] == pytest.approx([1.0, 1.0]) and p["units"] > 0
    with pytest.raises(SystemExit):
        _bench("learning_table").main([str(run), "--pair", "run", "nothere"])
    assert "--pair: no run named 'nothere'" in capsys.readouterr().err


def test_only_the_viewer_server_imports_viser():
    """viser (a web server and its client) is imported by ``synthrm.viewer.server`` alone,
    and neither the CLI nor the analysis, export or viewer packages load it on import."""
    bad = []
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            mods = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(m == "viser" or m.startswith("viser.") for m in mods) and name != "synthrm.viewer.server":
                bad.append(name)
    assert not bad, bad
    code = ("import sys, synthrm.cli, synthrm.analysis.report, synthrm.export, synthrm.viewer; "
            "synthrm.cli.build_parser(); "
            "print('viser' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False", out


def test_only_deploy_imports_onnx():
    """onnx and onnxruntime are imported inside ``synthrm.models.deploy``'s functions alone:
    neither the CLI, ``import synthrm.models`` nor ``import synthrm.models.deploy`` loads them."""
    bad = []
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            mods = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(m.split(".")[0] in ("onnx", "onnxruntime") for m in mods) and name != "synthrm.models.deploy":
                bad.append(name)
    assert not bad, bad
    code = ("import sys, synthrm.cli, synthrm.models, synthrm.models.deploy; synthrm.cli.build_parser(); "
            "print(sorted(m for m in ('onnx', 'onnxruntime') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out
