"""``synthrm view``: a viser server (the only module of synthrm that imports viser) and
the static export of the same scene (viser's own scene serialisation in its single-file
client, :func:`static_html`), which ``synthrm report`` embeds.

What is drawn (``docs/viewer.md``):

* city dataset: the scene's radio meshes by semantic class; the sample's visible surface
  (VAS) coloured by a per-pixel layer of the chosen Tx (path gain with a colour range
  fixed over the dataset, label provenance, SINR, ..., any categorical layer the dataset
  has); the transmitters (boresight arrows for arrays); the sample's camera frustum with
  its image; every frame of the same scene as a small frustum (click one to go there);
* indoor dataset: occupied voxels coloured by radio material, the receiver planes
  (path loss at each height), the Tx;
* plan (``plan.json``): the city, every candidate view as a frustum coloured by its
  perception community, the selected views larger and numbered, the SIFT edges.
"""
from __future__ import annotations

import contextlib
import html
import io
import socket
import threading
import time
from pathlib import Path

import numpy as np
import viser

from synthrm.dataset.hdf5 import dataset_kind, list_samples, read_sample
from synthrm.errors import ConfigError, DatasetError
from synthrm.viewer import draw, model

#: Arrays the viewer never reads (saves time on every sample).
SKIP_ARRAYS = {"albedo", "roughness", "rgb_linear", "antenna_pattern", "tx_precoding", "depth_log"}


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def check_port(host: str, port: int) -> None:
    """ConfigError (one line, with the fix) when ``port`` cannot be bound on ``host``."""
    if not 0 < port < 65536:
        raise ConfigError(f"--port {port}: must be in 1..65535")
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as e:
            raise ConfigError(f"--port {port}: cannot listen on {host}:{port} ({e.strerror}: another `synthrm view` "
                              f"or server?); stop it or choose a free port, e.g. --port {free_port(host)}") from None


def open_server(host: str = "127.0.0.1", port: int = 8080, label: str = "synthrm view") -> viser.ViserServer:
    """A viser server on exactly ``host:port`` (viser itself would move to the next free
    port), z up."""
    check_port(host, port)
    srv = _quiet_server(host, port, label)
    if srv.get_port() != port:  # lost a race for the port
        stop_server(srv)
        raise ConfigError(f"--port {port}: taken while starting; choose another, e.g. --port {free_port(host)}")
    srv.scene.set_up_direction("+z")
    return srv


def _quiet_server(host: str, port: int, label: str | None = None) -> viser.ViserServer:
    """A ViserServer without its banner (viser prints it whatever ``verbose`` says; our
    own line names the address)."""
    with contextlib.redirect_stdout(io.StringIO()):
        return viser.ViserServer(host=host, port=port, verbose=False, label=label)


def stop_server(srv: viser.ViserServer) -> None:
    """Stop a viewer server quietly (viser prints a line when it stops)."""
    with contextlib.redirect_stdout(io.StringIO()):
        srv.stop()


def _look_from(camera, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(eye, target) [m]: a viewpoint behind and above ``camera`` that sees ``points``."""
    c = camera.center
    fwd = camera.cam_to_world[:3, 2]
    p = np.asarray(points, np.float64).reshape(-1, 3)
    p = p[np.all(np.isfinite(p), axis=1)]
    d = float(np.median(np.linalg.norm(p - c, axis=1))) if len(p) else 30.0
    target = c + fwd * 0.7 * d
    eye = c - fwd * 0.3 * d + np.array([0.0, 0.0, 0.45 * d])
    return eye, target


def _set_view(srv, eye, target, clients: bool = True) -> None:
    srv.initial_camera.position = tuple(float(x) for x in eye)
    srv.initial_camera.look_at = tuple(float(x) for x in target)
    srv.initial_camera.up = (0.0, 0.0, 1.0)
    if clients:
        for cl in srv.get_clients().values():
            with cl.atomic():
                cl.camera.position = tuple(float(x) for x in eye)
                cl.camera.look_at = tuple(float(x) for x in target)
                cl.camera.up_direction = (0.0, 0.0, 1.0)


def _read(root, sid: str, arrays: list[str]) -> dict:
    return read_sample(root, sid, [k for k in arrays if k not in SKIP_ARRAYS])


class CityView:
    """The live viewer of a city dataset (GUI callbacks on viser's threads; one lock)."""

    def __init__(self, srv: viser.ViserServer, root: str | Path, sample: str | None = None,
                 log=print):
        self.srv, self.root, self.log = srv, Path(root), log
        self.info = model.describe(root)
        self.frames = model.read_frames(root)
        self.ids = [f.sample_id for f in self.frames]
        if sample is not None and sample not in self.ids:
            raise DatasetError(f"--sample {sample!r}: not in {root}; its samples are {', '.join(self.ids[:5])}"
                               + (" ..." if len(self.ids) > 5 else ""))
        self.lock = threading.RLock()
        self.ranges: dict[str, tuple[float, float]] = {}
        self.scene_id = None
        self.sample = None
        self.layers: list[model.Layer] = []
        self.frustum_handles = []
        self.city_handles = []
        self.last_load_s = None
        self._quiet = False
        self._gui()
        self.load(self.ids.index(sample) if sample else 0)

    # ------------------------------------------------------------------ GUI
    def _gui(self):
        g = self.srv.gui
        i = self.info
        g.add_markdown(f"**{html.escape(self.root.name)}**: {i['samples']} samples, "
                       f"{len(i['scene_ids'])} scene(s)" + (f", imported ({i['imported']})" if i["imported"] else ""))
        if i["missing"]:
            g.add_markdown("**Not shown** (missing from the dataset):\n" + "\n".join(f"- {m}" for m in i["missing"]))
        n = len(self.ids)
        self.slider = g.add_slider("sample", 0, max(n - 1, 1), 1, 0, disabled=n < 2,
                                   hint="the dataset's frames; the frusta of the other frames of the same "
                                        "scene are drawn in the city (click one to go there)")
        self.sample_md = g.add_markdown("")
        with g.add_folder("Radio"):
            self.tx = g.add_dropdown("Tx", ["Tx 0"], hint="transmitter whose maps colour the visible surface")
            self.layer = g.add_dropdown("colour by", ["path gain [dB]"], hint="per-pixel layer on the surface")
            self.vmin = g.add_number("min", -150.0, step=1.0, hint="colour range, fixed across samples")
            self.vmax = g.add_number("max", -50.0, step=1.0)
            self.bar = g.add_html("")
        with g.add_folder("Show"):
            self.show_city = g.add_checkbox("city meshes", True)
            self.show_cam_only = g.add_checkbox("camera-only meshes", False)
            self.show_vas = g.add_checkbox("visible surface (VAS)", True)
            self.show_tx = g.add_checkbox("transmitters", True)
            self.show_cam = g.add_checkbox("camera and image", True)
            self.show_frusta = g.add_checkbox("all frames' frusta", True)
            self.follow = g.add_checkbox("fly to each sample", True)
        self.status = g.add_markdown("")

        self.slider.on_update(lambda e: self._cb(lambda: self.load(int(self.slider.value))))
        for h in (self.tx, self.layer):
            h.on_update(lambda e: self._cb(self.recolor_and_tx))
        for h in (self.vmin, self.vmax):
            h.on_update(lambda e: self._cb(self.range_changed))
        for h in (self.show_city, self.show_cam_only, self.show_vas, self.show_tx, self.show_cam, self.show_frusta):
            h.on_update(lambda e: self._cb(self.visibility))

    def _cb(self, fn):
        with self.lock:  # re-entrant: a change made by load() itself comes back here, quiet, on its thread
            if self._quiet:
                return
            try:
                fn()
            except Exception as e:  # shown in the GUI, not a dead callback thread
                self.status.content = f"**error:** {html.escape(str(e))}"
                self.log(f"synthrm view: error: {e}")

    # ------------------------------------------------------------------ state
    @property
    def current_layer(self) -> model.Layer | None:
        for ly in self.layers:
            if ly.label == self.layer.value:
                return ly
        return self.layers[0] if self.layers else None

    @property
    def current_tx(self) -> int:
        try:
            return int(str(self.tx.value).split()[-1])
        except ValueError:
            return 0

    def range_of(self, key: str) -> tuple[float, float]:
        if key not in self.ranges:
            self.ranges[key] = model.value_range(self.root, key)
        return self.ranges[key]

    # ------------------------------------------------------------------ drawing
    def load(self, i: int) -> None:
        """Show sample ``i``: read it, redraw the scene if it changed, the surface, Tx, camera."""
        with self.lock:
            t0 = time.perf_counter()
            fr = self.frames[i]
            s = _read(self.root, fr.sample_id, self.info["arrays"])
            self.sample, self.index = s, i
            self.surface = model.sample_surface(s)
            self.layers = model.find_layers(s)
            self._quiet = True
            try:
                self.slider.value = i
                ntx = int(s["tx_position"].shape[0]) if "tx_position" in s else 0
                opts = [f"Tx {t}" for t in range(max(ntx, 1))]
                if list(self.tx.options) != opts:
                    keep = self.tx.value if self.tx.value in opts else opts[0]
                    self.tx.options = opts
                    self.tx.value = keep
                labels = [ly.label for ly in self.layers] or ["(no label layers)"]
                if list(self.layer.options) != labels:
                    keep = self.layer.value if self.layer.value in labels else labels[0]
                    self.layer.options = labels
                    self.layer.value = keep
            finally:
                self._quiet = False
            scene = self.srv.scene
            size = draw.scene_size(np.array([f.camera.center for f in self.frames] + [self.surface.vertices.min(0),
                                                                                     self.surface.vertices.max(0)]))
            self.size = size
            if fr.scene_id != self.scene_id:
                self._draw_scene(fr.scene_id, size)
            draw.add_camera(scene, "/camera", fr.camera, draw.CAMERA_SIZE * size, s.get("rgb"),
                            visible=self.show_cam.value)
            self._draw_frusta(fr, size)
            self.recolor_and_tx()
            a = s["attrs"]
            self.sample_md.content = (f"sample **{fr.sample_id}** · scene {html.escape(fr.scene_id)} · "
                                      f"{html.escape(str(a.get('district', '')))} {html.escape(str(a.get('view', '')))}"
                                      f" · surface: {len(self.surface.faces)} faces "
                                      f"({html.escape(self.surface.source)})")
            if self.follow.value:
                eye, target = _look_from(fr.camera, self.surface.vertices)
                _set_view(self.srv, eye, target)
            self.visibility()
            self.last_load_s = time.perf_counter() - t0
            self.status.content = f"sample loaded in {self.last_load_s:.2f} s"

    def _draw_scene(self, scene_id: str, size: float) -> None:
        self.srv.scene.remove_by_name("/city")
        self.scene_id = scene_id
        self.city_handles = []
        scene_dir = self.root / "scenes" / scene_id
        if not (scene_dir / "scene.json").is_file():
            self.scene_info = None
            return
        meshes, info = model.scene_meshes(scene_dir, camera_only=True)
        self.scene_info = info
        self.city_handles = list(zip(draw.add_scene_meshes(self.srv.scene, meshes), [m.radio for m in meshes]))

    def _draw_frusta(self, current: model.ViewFrame, size: float) -> None:
        self.srv.scene.remove_by_name("/frames")
        same = [f for f in self.frames if f.scene_id == current.scene_id and f.index != current.index]
        if len(same) > model.MAX_FRUSTA:
            same = [same[j] for j in np.linspace(0, len(same) - 1, model.MAX_FRUSTA).round().astype(int)]
        self.frustum_handles = []
        for f in same:
            h = draw.add_camera(self.srv.scene, f"/frames/f{f.sample_id}", f.camera, draw.FRUSTUM_SIZE * size,
                                color=draw.FRUSTUM_RGB, visible=self.show_frusta.value)
            h.on_click(lambda e, j=f.index: self._cb(lambda: self.load(j)))
            self.frustum_handles.append(h)

    def recolor_and_tx(self) -> None:
        s, ly, t = self.sample, self.current_layer, self.current_tx
        scene = self.srv.scene
        if "tx_position" in s:
            scene.remove_by_name("/transmitters")
            draw.add_transmitters(scene, s["tx_position"], t, self.size, model.tx_boresights(s),
                                  visible=self.show_tx.value)
        if ly is None:
            img = np.full(s["depth"].shape + (3,), 200, np.uint8)
            self.bar.content = "<i>no label layers in this sample</i>"
        elif ly.kind == "continuous":
            lo, hi = self.range_of(ly.key)
            if getattr(self, "_range_key", None) != ly.key:  # a new layer: its dataset-wide range
                self._range_key = ly.key
                self._quiet = True
                try:
                    self.vmin.value, self.vmax.value = lo, hi
                finally:
                    self._quiet = False
            lo, hi = float(self.vmin.value), float(self.vmax.value)
            img = model.layer_image(s, ly, t, lo, hi)
            self.bar.content = draw.colorbar_html(lo, hi, ly.cmap, ly.label)
        else:
            self._range_key = None
            img = model.layer_image(s, ly, t)
            a = s[ly.key][t] if ly.per_tx else s[ly.key]
            self.bar.content = draw.legend_html(ly, a[np.isfinite(s["depth"])])
        self.vmin.disabled = self.vmax.disabled = ly is None or ly.kind != "continuous"
        draw.add_surface(scene, "/vas", self.surface, img, self.frames[self.index].camera.center,
                         visible=self.show_vas.value)

    def range_changed(self) -> None:
        if float(self.vmax.value) <= float(self.vmin.value):
            self.status.content = "**max must be above min**"
            return
        self.recolor_and_tx()

    def visibility(self) -> None:
        sc = self.srv.scene
        for name, on in (("/vas", self.show_vas.value), ("/transmitters", self.show_tx.value),
                         ("/camera", self.show_cam.value)):
            h = sc.get_handle_by_name(name)
            if h is not None:
                h.visible = on
        for h in self.frustum_handles:
            h.visible = self.show_frusta.value
        for h, radio in self.city_handles:
            h.visible = self.show_city.value if radio else self.show_cam_only.value


# ---------------------------------------------------------------------- static export
#: Most triangles of the surface in a static export: past it the surface is rebuilt from
#: the depth map at a coarser stride (its colours stay per pixel: they are its texture).
STATIC_SURFACE_FACES = 20_000
#: Transmitters whose layers a static export carries.
STATIC_MAX_TX = 8

_OVERLAY_CSS = ("position:fixed;left:12px;bottom:12px;z-index:5;max-width:330px;background:rgba(255,255,255,.92);"
                "border:1px solid #bbb;border-radius:4px;padding:8px 10px;font:12px sans-serif;color:#222")


def static_html(root: str | Path, sample: str | None = None, max_tx: int = STATIC_MAX_TX) -> str:
    """One sample's view as a self-contained HTML page (viser's single-file client with
    the scene serialised into it; no server, opens from a file): the city meshes, the
    camera with its image, the other frames' frusta, the transmitters, and the visible
    surface once per layer and Tx (path gain of Tx 0 shown; the others hidden, switched in
    the scene tree, top right). A legend (colour bar, Tx, how to switch) is laid over it."""
    root = Path(root)
    info = model.describe(root)
    if info["kind"] != "city":
        raise DatasetError(f"{root}: a static view is made for city datasets; view an {info['kind']} dataset "
                           "live with `synthrm view DIR` (no --static)")
    frames = model.read_frames(root)
    ids = [f.sample_id for f in frames]
    sid = sample or ids[0]
    if sid not in ids:
        raise DatasetError(f"sample {sid!r} not in {root}")
    fr = frames[ids.index(sid)]
    s = _read(root, sid, info["arrays"])
    surface = model.sample_surface(s, max_faces=STATIC_SURFACE_FACES)
    layers = [ly for ly in model.find_layers(s) if ly.per_tx and (ly.key == "path_gain_db" or ly.kind == "categorical")
              and ly.key != "path_gain_rings"]
    srv = _quiet_server("127.0.0.1", 0)
    try:
        scene = srv.scene
        scene.set_up_direction("+z")
        size = draw.scene_size(np.array([f.camera.center for f in frames] + [surface.vertices.min(0),
                                                                            surface.vertices.max(0)]))
        scene_dir = root / "scenes" / fr.scene_id
        if (scene_dir / "scene.json").is_file():
            meshes, _ = model.scene_meshes(scene_dir)
            draw.add_scene_meshes(scene, meshes)
        draw.add_camera(scene, "/camera", fr.camera, draw.CAMERA_SIZE * size, s.get("rgb"))
        for f in frames:
            if f.scene_id == fr.scene_id and f.sample_id != sid:
                draw.add_camera(scene, f"/frames/f{f.sample_id}", f.camera, draw.FRUSTUM_SIZE * size,
                                color=draw.FRUSTUM_RGB)
        ntx = int(s["tx_position"].shape[0]) if "tx_position" in s else 0
        if ntx:
            draw.add_transmitters(scene, s["tx_position"], -1, size, model.tx_boresights(s))
        legend = [f"<b>{html.escape(root.name)}</b> · sample {html.escape(sid)} · {html.escape(fr.scene_id)}"]
        for k, ly in enumerate(layers):
            scene.add_frame(f"/{ly.key}", show_axes=False, visible=k == 0)
            lo, hi = model.value_range(root, ly.key) if ly.kind == "continuous" else (None, None)
            for t in range(min(ntx, max_tx)):
                draw.add_surface(scene, f"/{ly.key}/tx{t}", surface, model.layer_image(s, ly, t, lo, hi),
                                 fr.camera.center, visible=t == 0)
            if ly.kind == "continuous":
                legend.append(f"<div style='margin-top:6px'><b>/{ly.key}</b>: {html.escape(ly.label)}</div>"
                              + draw.colorbar_html(lo, hi, ly.cmap, "dB, fixed over the dataset"))
            else:
                legend.append(f"<div style='margin-top:6px'><b>/{ly.key}</b>: {html.escape(ly.label)}</div>"
                              + draw.legend_html(ly))
        if not layers:
            draw.add_surface(scene, "/surface", surface, s["rgb"], fr.camera.center)
        legend.append("<div style='margin-top:6px;color:#555'>Scene tree (top-right icon): one "
                      f"<code>/layer/txN</code> at a time; Tx 0 of {ntx} shown"
                      + (f" (first {max_tx} exported)" if ntx > max_tx else "") + ". Drag to orbit, scroll to zoom."
                      + "".join(f"<br>missing: {html.escape(m)}" for m in info["missing"]) + "</div>")
        eye, target = _look_from(fr.camera, surface.vertices)
        _set_view(srv, eye, target, clients=False)
        page = scene.as_html()
    finally:
        stop_server(srv)
    overlay = f"<div id='synthrm-legend' style='{_OVERLAY_CSS}'>{''.join(legend)}</div>"
    i = page.rindex("</body>")
    return page[:i] + overlay + page[i:]


def write_static_view(root: str | Path, out: str | Path, sample: str | None = None) -> Path:
    """Write :func:`static_html` to ``out`` (folders made). Returns the path."""
    from synthrm.files import atomic_write_text

    out = Path(out)
    page = static_html(root, sample)  # refused input leaves nothing behind
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out, page)
    return out


# ---------------------------------------------------------------------- plan
class PlanView:
    """An orchestration plan: the city, every candidate view coloured by its perception
    community, the selected ones larger and numbered in pick order, the SIFT edges."""

    def __init__(self, srv: viser.ViserServer, path: str | Path, log=print):
        from synthrm.camera.config import CameraConfig
        from synthrm.orchestrate import read_plan, summary

        self.srv = srv
        path = Path(path)
        plan = read_plan(path)
        cfg = plan.get("config", {})
        w, h = plan.get("resolution", cfg.get("camera", {}).get("resolution", [256, 192]))
        fov = float(cfg.get("camera", {}).get("fov_x_deg", 75.0))
        cands = plan["candidates"]
        settings = CameraConfig(resolution=(int(w), int(h)), fov_x_deg=fov)
        cams = [settings.camera(np.asarray(c["cam_to_world"], np.float64)) for c in cands]
        centres = np.array([c.center for c in cams])
        sel = [int(v) for v in plan["selected"]]
        comm = np.array([int(c["community"]) for c in cands])
        pal = model.palette(max(len(plan["communities"]), 1))
        scene, g = srv.scene, srv.gui
        scene_dir = path.parent / plan["scene_dir"]
        try:
            text = summary(plan)
        except (KeyError, TypeError):  # a plan without the metrics this version reports
            text = f"{len(sel)} of {len(cands)} views, {len(plan['communities'])} communities"
        g.add_markdown(f"**plan** {html.escape(path.name)}\n\n" + html.escape(text).replace("\n", "\n\n"))
        self.city = []
        if (scene_dir / "scene.json").is_file():
            meshes, _ = model.scene_meshes(scene_dir)
            self.city = draw.add_scene_meshes(scene, meshes)
        else:
            g.add_markdown(f"**Not shown**: the city (no {html.escape(str(scene_dir))}; re-run `synthrm orchestrate`)")
        size = max(draw.scene_size(centres), 100.0)
        self.cands, self.sel_handles = [], []
        for i, cam in enumerate(cams):
            chosen = i in sel
            hd = draw.add_camera(scene, f"/{'selected' if chosen else 'candidates'}/v{i:03d}", cam,
                                 (0.05 if chosen else 0.025) * size, color=pal[comm[i] % len(pal)])
            (self.sel_handles if chosen else self.cands).append((hd, int(comm[i])))
        for r, v in enumerate(sel):
            scene.add_label(f"/selected/v{v:03d}/pick", f"{r + 1}", position=(0.0, 0.0, 0.0))
        edges = [(e["i"], e["j"], e["sift"]) for e in plan.get("edges", []) if e.get("sift", 0) > 0]
        self.edges = None
        if edges:
            pts = np.array([[centres[i], centres[j]] for i, j, _ in edges], np.float32)
            wgt = np.array([e[2] for e in edges])
            col = (np.clip(1 - wgt / wgt.max(), 0, 1)[:, None, None] * 180 * np.ones((1, 2, 3))).astype(np.uint8)
            self.edges = scene.add_line_segments("/sift_edges", pts, col, thickness=0.004 * size)
        self.show_cands = g.add_checkbox("non-selected candidates", True)
        self.show_edges = g.add_checkbox("SIFT edges", True)
        self.show_city = g.add_checkbox("city meshes", True)
        self.community = g.add_dropdown("community", ["all"] + [str(c) for c in range(len(plan["communities"]))])
        for hnd in (self.show_cands, self.show_edges, self.show_city, self.community):
            hnd.on_update(lambda e: self.visibility())
        lo, hi = centres.min(0), centres.max(0)
        mid = (lo + hi) / 2
        _set_view(srv, mid + np.array([0.0, -0.6 * size, 0.7 * size]), mid, clients=False)

    def visibility(self) -> None:
        c = self.community.value
        for hd, k in self.cands:
            hd.visible = self.show_cands.value and c in ("all", str(k))
        for hd, k in self.sel_handles:
            hd.visible = c in ("all", str(k))
        if self.edges is not None:
            self.edges.visible = self.show_edges.value
        for hd in self.city:
            hd.visible = self.show_city.value


# ---------------------------------------------------------------------- indoor
#: Most voxels drawn as instanced cubes (surface voxels are kept first past it).
MAX_VOXELS = 150_000


def _cube(size: float) -> tuple[np.ndarray, np.ndarray]:
    v = (np.array([[x, y, z] for x in (0, 1) for y in (0, 1) for z in (0, 1)], np.float32) - 0.5) * size
    f = np.array([[0, 1, 3], [0, 3, 2], [4, 6, 7], [4, 7, 5], [0, 4, 5], [0, 5, 1],
                  [2, 3, 7], [2, 7, 6], [0, 2, 6], [0, 6, 4], [1, 5, 7], [1, 7, 3]], np.int32)
    return v, f


class IndoorView:
    """An indoor dataset: the entry's occupied voxels by radio material, its receiver
    planes (path loss [dB], colour range fixed over the dataset; filled cells paler), the Tx."""

    def __init__(self, srv: viser.ViserServer, root: str | Path, sample: str | None = None, log=print):
        self.srv, self.root = srv, Path(root)
        self.ids = [sid for _, sid in list_samples(root)]
        if sample is not None and sample not in self.ids:
            raise DatasetError(f"--sample {sample!r}: not in {root}; its entries are {', '.join(self.ids[:4])} ...")
        self.lock = threading.RLock()
        self.scene_id = None
        self.range = model.value_range(root, "path_loss_db")
        g = srv.gui
        g.add_markdown(f"**{html.escape(self.root.name)}** (indoor): {len(self.ids)} entries (apartment x Tx)")
        self.slider = g.add_slider("entry", 0, max(len(self.ids) - 1, 1), 1, 0, disabled=len(self.ids) < 2)
        self.info_md = g.add_markdown("")
        self.height = g.add_slider("plane", 0, 1, 1, 0, hint="receiver plane (height index)")
        self.all_planes = g.add_checkbox("all planes", False)
        self.show_vox = g.add_checkbox("voxels", True)
        self.show_ceiling = g.add_checkbox("ceiling voxels", False, hint="they hide the rooms from above")
        self.bar = g.add_html(draw.colorbar_html(*self.range, "viridis_r", "path loss [dB]; pale: filled"))
        self.legend = g.add_html("")
        self.slider.on_update(lambda e: self._locked(lambda: self.load(int(self.slider.value))))
        for hnd in (self.height, self.all_planes):
            hnd.on_update(lambda e: self._locked(self.planes))
        self.show_vox.on_update(lambda e: self._locked(self.vox_visible))
        self.show_ceiling.on_update(lambda e: self._locked(self.voxels))
        self.load(self.ids.index(sample) if sample else 0)

    def _locked(self, fn):
        with self.lock:
            fn()

    def load(self, i: int) -> None:
        e = read_sample(self.root, self.ids[i], ["occupancy", "semantic", "tx_position", "path_loss_db", "fill_mask"])
        self.entry, a = e, e["attrs"]
        self.v, self.o = float(a["voxel_size_m"]), np.asarray(a["grid_origin_m"], np.float64)
        shape = np.array(e["occupancy"].shape)
        self.size = float(np.linalg.norm(shape[:2] * self.v))
        if a.get("scene_id") != self.scene_id:
            self.scene_id = a.get("scene_id")
            self.voxels()
        self.srv.scene.remove_by_name("/transmitters")
        draw.add_transmitters(self.srv.scene, np.asarray(e["tx_position"], np.float64)[None], 0, self.size)
        hs = list(a["heights_m"])
        self.height.max = max(len(hs) - 1, 1)
        self.height.marks = tuple((k, f"{h:.1f}") for k, h in enumerate(hs))
        self.info_md.content = (f"entry **{self.ids[i]}** · {a.get('split', '')} · {len(hs)} planes "
                                f"{hs[0]:.1f}-{hs[-1]:.1f} m · filled {float(a.get('filled_fraction', 0)):.0%}")
        self.planes()
        c = self.o + shape * self.v / 2
        _set_view(self.srv, c + np.array([0.0, -0.45 * self.size, 1.0 * self.size]), c)

    def voxels(self) -> None:
        e = self.entry
        from synthrm.scene.classes import SEMANTIC_IDS

        occ = e["occupancy"] > 0
        if not self.show_ceiling.value:
            occ &= e["semantic"] != SEMANTIC_IDS.get("ceiling", -2)
        ijk = np.argwhere(occ)
        if len(ijk) > MAX_VOXELS:  # keep the voxels with an empty neighbour (the visible shell)
            pad = np.pad(occ, 1)
            inner = np.ones_like(occ)
            for ax in range(3):
                for d in (-1, 1):
                    inner &= np.roll(pad, d, ax)[1:-1, 1:-1, 1:-1]
            ijk = np.argwhere(occ & ~inner)[:MAX_VOXELS]
        sem = e["semantic"][tuple(ijk.T)]
        mats = self._materials()
        mat = np.array([mats.get(int(k), (0, "unknown"))[0] for k in sem])
        pal = model.palette(20)
        cols = np.array([pal[m % len(pal)] for m in mat], np.uint8).reshape(-1, 3)
        cv, cf = _cube(self.v * 0.95)
        self.srv.scene.remove_by_name("/voxels")
        self.vox = self.srv.scene.add_batched_meshes_simple(
            "/voxels", cv, cf, batched_wxyzs=np.tile([1.0, 0, 0, 0], (len(ijk), 1)),
            batched_positions=(self.o + (ijk + 0.5) * self.v).astype(np.float32), batched_colors=cols, lod="off",
            visible=self.show_vox.value, cast_shadow=False, receive_shadow=False)
        names = {m: n for m, n in mats.values()}
        shown = sorted(set(mat.tolist()))
        self.legend.content = "<div style='font:12px sans-serif'>voxels by radio material:" + "".join(
            f"<div><span style='display:inline-block;width:12px;height:12px;margin-right:6px;background:rgb"
            f"{tuple(pal[m % len(pal)])}'></span>{html.escape(names.get(m, 'unknown'))} "
            f"{np.mean(mat == m):.0%}</div>" for m in shown) + "</div>"

    def _materials(self) -> dict[int, tuple[int, str]]:
        """semantic id -> (material id, name) from the apartment's scene.json."""
        import json

        p = self.root / "scenes" / str(self.scene_id) / "scene.json"
        if not p.is_file():
            return {}
        out = {}
        for s in json.loads(p.read_text()).get("shapes", []):
            out.setdefault(int(s.get("semantic_id", -1)), (int(s.get("material_id", 0)), s.get("radio_material", "")))
        return out

    def vox_visible(self) -> None:
        self.vox.visible = self.show_vox.value

    def planes(self) -> None:
        e, a = self.entry, self.entry["attrs"]
        sc = self.srv.scene
        sc.remove_by_name("/planes")
        pl, fill = e["path_loss_db"], e["fill_mask"]
        nx, ny = pl.shape[1:]
        x0, y0 = self.o[:2]
        x1, y1 = x0 + nx * self.v, y0 + ny * self.v
        uv = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], np.float32)
        from synthrm.radio.export import colorize_db

        for k, hgt in enumerate(a["heights_m"]):
            if not self.all_planes.value and k != int(self.height.value):
                continue
            rgb, _, _ = colorize_db(pl[k].T.reshape(-1), *self.range, cmap="viridis_r")
            rgb = rgb.reshape(ny, nx, 3)
            f = fill[k].T
            rgb[f] = (0.55 * rgb[f] + 0.45 * 255).astype(np.uint8)
            vtx = np.array([[x0, y0, hgt], [x1, y0, hgt], [x0, y1, hgt], [x1, y1, hgt]], np.float32)
            sc.add_glb(f"/planes/h{k}", draw.textured_mesh_glb(vtx, [[0, 1, 3], [0, 3, 2]], uv,
                                                               draw.png_bytes(draw.untonemap(rgb))), cast_shadow=False,
                       receive_shadow=False)


# ---------------------------------------------------------------------- entry point
def serve(path: str | Path, sample: str | None = None, port: int = 8080, host: str = "127.0.0.1",
          log=print, block: bool = True):
    """Serve the viewer of a dataset folder or a ``plan.json`` at ``http://host:port``
    until Ctrl-C (``block=False``: return ``(server, view)`` instead, for tests)."""
    path = Path(path)
    if path.suffix == ".json":
        kind = "plan"
        if sample is not None:
            raise ConfigError("--sample: a plan has no samples; drop it")
    else:
        if not path.is_dir():
            raise DatasetError(f"{path}: no such dataset folder or plan.json")
        kind = dataset_kind(path)
    srv = open_server(host, port)
    try:
        t0 = time.perf_counter()
        view = (PlanView(srv, path, log=log) if kind == "plan" else
                IndoorView(srv, path, sample, log=log) if kind == "indoor" else CityView(srv, path, sample, log=log))
        if kind == "city":
            for m in view.info["missing"]:
                log(f"synthrm view: not shown: {m}")
        log(f"synthrm view: {kind} {path} at http://{host}:{port} (ready in {time.perf_counter() - t0:.1f} s; "
            "Ctrl-C to stop)")
        if not block:
            return srv, view
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    except BaseException:
        stop_server(srv)
        raise
    stop_server(srv)
    return None
