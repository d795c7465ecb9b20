"""``synthrm report``: a static HTML page (no server) describing datasets: the dataset
card, signal statistics, transmitter map, concept correlations, sample panels and, when
runs are given, their benchmark tables. Each sample panel links to a sample page with the
sample's 3D view embedded (``synthrm view``'s static export, :mod:`synthrm.viewer`)."""
from __future__ import annotations

import html
import json
import os
import shutil
from pathlib import Path

from synthrm.analysis.dataset import analyse_dataset
from synthrm.analysis.figures import correlation_cdf_figure, statistics_figure, tx_map_figure
from synthrm.dataset.hdf5 import dataset_kind, list_samples, read_index, read_sample
from synthrm.errors import DatasetError
from synthrm.files import new_output

CSS = """body{font-family:system-ui,sans-serif;margin:2em;max-width:1500px;color:#222}
table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}
th{background:#eee}td:first-child,th:first-child{text-align:left}img{max-width:100%;margin:.4em 0}
.muted{color:#666;font-size:90%}"""


def _table(head: list[str], rows: list[list]) -> str:
    h = "".join(f"<th>{html.escape(str(c))}</th>" for c in head)
    b = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{h}</tr>{b}</table>"


def _size_mb(root: Path) -> float:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 2 ** 20


def dataset_card(root: str | Path) -> list:
    root = Path(root)
    if dataset_kind(root) == "indoor":
        raise DatasetError(f"{root}: an indoor dataset; the report covers city datasets (generated or imported); "
                           f"draw an indoor entry with `synthrm show {root}`")
    idx = read_index(root)
    ids = list_samples(root)
    cfg = idx.get("config", {})
    radio = cfg.get("radio", {})
    cam = cfg.get("camera", {})
    dropped = sum(len(s.get("dropped", [])) for s in idx["shards"])
    src = idx.get("source", {}).get("format")
    rays = radio.get("samples_per_tx")
    return [root.name, cfg.get("preset", f"imported ({src})" if src else ""), len(ids), dropped,
            "x".join(map(str, cam.get("resolution", []))), cam.get("view", ""), radio.get("tx_per_frame", ""),
            radio.get("antenna", ""), "n/a" if rays is None else rays if isinstance(rays, str) else f"{rays:.0e}",
            radio.get("max_depth", ""),
            "" if idx.get("seed") is None else idx["seed"], idx.get("synthrm_version", ""), f"{_size_mb(root):.1f}"]


CARD_HEAD = ["dataset", "preset", "samples", "dropped frames", "resolution", "view", "Tx / frame", "antenna",
             "rays / Tx", "max depth", "seed", "synthrm", "size [MiB]"]


def sample_page(root: Path, sid: str, panel_png: str, out: Path) -> str:
    """Write the sample page ``sample_<dataset>_<id>.html`` (the panel figure and the 3D
    view ``view_<dataset>_<id>.html`` in a frame, both in ``out``). Returns its file name."""
    from synthrm.viewer import write_static_view

    view = write_static_view(root, out / f"view_{root.name}_{sid}.html", sample=sid)
    name = f"sample_{root.name}_{sid}.html"
    title = html.escape(f"{root.name} · {sid}")
    (out / name).write_text(
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{title}</title><style>{CSS}</style></head>"
        f"<body><p><a href='index.html'>report</a></p><h1>{title}</h1>"
        f"<img src='{html.escape(panel_png)}' alt='sample {html.escape(sid)}'>"
        f"<h2>3D view</h2><p class=muted>The city, the camera and its image, the transmitters and the visible "
        f"surface coloured by the path gain of Tx 0; switch the Tx or the layer (label provenance, ...) in the "
        f"scene tree (top-right icon). <a href='{view.name}'>Open it full page</a>; "
        f"<code>synthrm view {html.escape(root.name)} --sample {html.escape(sid)}</code> serves the same view "
        f"with a Tx selector and a sample slider.</p>"
        f"<iframe src='{view.name}' title='3D view' style='width:100%;height:75vh;border:1px solid #bbb'></iframe>"
        f"</body></html>")
    return name


def write_report(roots: list[str | Path], out: str | Path, runs: list[str | Path] = (), panels: int = 2,
                 progress: bool = True) -> Path:
    """Write ``out/index.html`` (and its PNGs) for city datasets ``roots``; ``runs``: run
    folders whose ``evaluation.md`` tables are appended. Returns the HTML path. Every
    dataset is checked before anything is written; the report is built in a temporary
    folder beside ``out`` and moved into it only when complete."""
    roots = [Path(r) for r in roots]
    cards = [dataset_card(r) for r in roots]  # refuses an indoor or missing dataset up front
    out = Path(out)
    with new_output(out):  # a folder made here (or above) goes again on a failure
        out.resolve().parent.mkdir(parents=True, exist_ok=True)
        part = out.resolve().parent / f".{out.resolve().name}.partial"
        shutil.rmtree(part, ignore_errors=True)  # leftover of an interrupted report
        part.mkdir()
        try:
            _write_report(roots, cards, part, runs, panels, progress)
            out.mkdir(exist_ok=True)
            for f in part.iterdir():  # complete: into --out (files of the same name replaced)
                os.replace(f, out / f.name)
        finally:
            shutil.rmtree(part, ignore_errors=True)
    return out / "index.html"


def _write_report(roots: list[Path], cards: list, out: Path, runs, panels: int, progress: bool) -> None:
    from synthrm import __version__
    from synthrm.analysis.dataset import correlation_table
    from synthrm.viz import sample_figure

    res = analyse_dataset(roots, progress=progress)
    statistics_figure(res, out / "statistics.png")
    correlation_cdf_figure(res, out / "correlation_cdf.png")
    parts = [f"<h1>synthrm dataset report</h1><p class=muted>synthrm {__version__} · "
             f"{', '.join(html.escape(r.name) for r in roots)}</p>",
             "<h2>Dataset card</h2>", _table(CARD_HEAD, cards)]
    parts += ["<h2>Signal statistics</h2><p>Per transmitter map: mean, max and standard deviation of "
              "path gain over the labelled pixels (seed Figure 9).</p><img src='statistics.png' alt='statistics'>",
              _table(["district", "maps", "mean [dB]", "max [dB]", "std [dB]", "Pmax bimodality coeff."],
                     [[d, s["maps"], f"{s['mean_db']['mean']:.1f}", f"{s['max_db']['mean']:.1f}",
                       f"{s['std_db']['mean']:.1f}",
                       "n/a" if s["max_db_bimodality"] is None else f"{s['max_db_bimodality']:.3f}"]
                      for d, s in res["districts"].items()]),
              "<p class=muted>Sarle's coefficient above 5/9 = 0.556 suggests a bimodal distribution.</p>"]
    parts += ["<h2>Line of sight</h2><p>A labelled pixel is LoS when the segment from the Tx to its surface "
              "point clears every building (footprints extruded, 1 m grid).</p>",
              _table(["district", "LoS fraction (mean)", "LoS - NLoS mean path gain, median [dB]"],
                     [[d, "n/a" if s["los_fraction_mean"] is None else f"{s['los_fraction_mean']:.2f}",
                       "n/a" if s["los_minus_nlos_db_median"] is None
                       else f"{s['los_minus_nlos_db_median']:.1f}"] for d, s in res["districts"].items()])]
    parts.append("<h2>Transmitters</h2>")
    from synthrm.analysis.geometry import CONTEXTS

    parts.append(_table(["district"] + list(CONTEXTS),
                        [[d] + [s["tx_contexts"][c] for c in CONTEXTS] for d, s in res["districts"].items()]))
    for r in roots:
        p = tx_map_figure(r, res, out / f"tx_map_{r.name}.png")
        parts.append(f"<p class=muted>{html.escape(r.name)}: no scene folders (an imported dataset); no map, "
                     f"LoS or Tx context</p>" if p is None else
                     f"<img src='{p.name}' alt='tx map {html.escape(r.name)}' style='max-width:600px'>")
    concepts = ("road", "building", "roof", "ground", "sidewalk")
    mats = sorted({k[2:] for row in res["rows"] for k in row if k.startswith("r_material:")})
    tab = correlation_table(res, concepts + tuple(mats)).splitlines()
    parts += ["<h2>Semantic-radio correlation</h2><p>Mean point-biserial r (eq. 3) of each concept's mask with "
              "the path-gain map, over maps where it is defined (count in brackets; a concept absent from or "
              "covering the whole labelled view is undefined, not 0).</p>",
              _table([c.strip() for c in tab[0].strip("|").split("|")],
                     [[c.strip() for c in ln.strip("|").split("|")] for ln in tab[2:]]),
              "<img src='correlation_cdf.png' alt='correlation CDFs'>"]
    parts.append("<h2>Samples</h2>")
    for r in roots:
        for _, sid in list_samples(r)[:panels]:
            p = sample_figure(read_sample(r, sid), out / f"sample_{r.name}_{sid}.png", title=f"{r.name} · {sid}")
            page = sample_page(r, sid, p.name, out)
            parts.append(f"<img src='{p.name}' alt='sample {sid}'><p><a href='{page}'>{html.escape(sid)} in 3D</a></p>")
    if runs:
        parts.append("<h2>Benchmark</h2>")
        for run in runs:
            p = Path(run) / "evaluation.json"
            if not p.is_file():
                parts.append(f"<p>{html.escape(str(run))}: not evaluated yet</p>")
                continue
            from synthrm.models.evaluate import METRIC_COLUMNS

            ev = json.loads(p.read_text())
            rows = [[d, g, m, v.get("examples", "")] + [f"{v.get(k, float('nan')):.3f}" if k == "ssim"
                                                        else f"{v.get(k, float('nan')):.2f}" for k, _ in METRIC_COLUMNS]
                    for d, r in ev["data"].items() for g, ms in r["groups"].items() for m, v in ms.items()]
            parts += [f"<h3>{html.escape(Path(run).name)}</h3>",
                      _table(["data", "group", "method", "examples"] + [c for _, c in METRIC_COLUMNS], rows)]
    doc = (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>synthrm report</title>"
           f"<style>{CSS}</style></head><body>{''.join(parts)}</body></html>")
    (out / "index.html").write_text(doc)
    (out / "analysis.json").write_text(json.dumps(res, indent=1))
