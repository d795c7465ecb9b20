"""`synthrm view`: how long a sample takes to load, on the server and in a browser, and the
README's screenshot.

    python benchmarks/bench_viewer.py demo_out [--screenshot docs/viewer.png] [--browser]

Server side: the viewer's start (dataset description, cameras, colour ranges, first
sample) and each sample's load (read, surface, texture, GLB, scene messages). With
``--browser`` (headless Chromium, as the tests drive it): the time from moving the sample
slider until the screen stops changing, per sample. Prints a table; ``--json`` writes it.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    ap.add_argument("dataset")
    ap.add_argument("--screenshot", help="PNG of the viewer (first sample, Tx 0), palette-compressed")
    ap.add_argument("--browser", action="store_true", help="also time each sample in headless Chromium")
    ap.add_argument("--json", help="write the timings here")
    args = ap.parse_args()

    from synthrm.viewer.server import stop_server, free_port, serve

    port = free_port()
    t0 = time.perf_counter()
    srv, view = serve(args.dataset, port=port, block=False, log=lambda m: None)
    start_s = time.perf_counter() - t0
    res = {"dataset": str(args.dataset), "samples": len(view.ids), "start_s": round(start_s, 3), "load_s": {},
           "vas_faces": {}, "scene_faces": None, "browser_s": {}}
    try:
        for i, sid in enumerate(view.ids):
            view.load(i)
            res["load_s"][sid] = round(view.last_load_s, 3)
            res["vas_faces"][sid] = int(len(view.surface.faces))
        res["scene_faces"] = getattr(view, "scene_info", None) and view.scene_info["faces"]
        view.load(0)
        if args.browser or args.screenshot:
            from browser import Browser

            with Browser(size=(1280, 720)) as b:
                b.goto(f"http://127.0.0.1:{port}")
                b.wait_for("document.body.innerText.includes('sample loaded in')", 60)
                shot = settle(b)
                # the "software WebGL" notice of a GPU-less browser is not part of the viewer
                b.eval("document.querySelectorAll('.mantine-Notification-root').forEach(e => e.remove())")
                shot = b.screenshot()
                if args.screenshot:
                    from PIL import Image

                    img = Image.fromarray(shot).quantize(colors=128, method=Image.Quantize.MEDIANCUT)
                    img.save(args.screenshot, optimize=True)
                    print(f"wrote {args.screenshot} ({Path(args.screenshot).stat().st_size / 1024:.0f} KiB)")
                if args.browser:
                    for i, sid in enumerate(view.ids[1:] + view.ids[:1], start=1):
                        i %= len(view.ids)
                        before = b.screenshot()
                        t = time.perf_counter()
                        view.slider.value = i
                        while time.perf_counter() - t < 30 and changed(before, b.screenshot()) < 0.01:
                            time.sleep(0.05)
                        settle(b, 0.3)
                        res["browser_s"][sid] = round(time.perf_counter() - t, 2)
    finally:
        stop_server(srv)
    loads = list(res["load_s"].values())
    print(f"{res['dataset']}: {res['samples']} samples; viewer ready in {res['start_s']:.2f} s; scene "
          f"{res['scene_faces']} triangles")
    print("sample   server load [s]  VAS faces  in browser [s]")
    for sid in res["load_s"]:
        print(f"{sid:>8} {res['load_s'][sid]:15.3f} {res['vas_faces'][sid]:10d} "
              f"{res['browser_s'].get(sid, float('nan')):15.2f}")
    print(f"median server load {np.median(loads):.3f} s, max {max(loads):.3f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1))
    return 0


def changed(a, b) -> float:
    return float((np.abs(a.astype(int) - b.astype(int)).sum(-1) > 30).mean())


def settle(b, quiet_s: float = 1.0, timeout_s: float = 30.0):
    prev, t0 = b.screenshot(), time.time()
    while time.time() - t0 < timeout_s:
        time.sleep(quiet_s)
        cur = b.screenshot()
        if changed(prev, cur) < 0.001:
            return cur
        prev = cur
    return prev


if __name__ == "__main__":
    raise SystemExit(main())
