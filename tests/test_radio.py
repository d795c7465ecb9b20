"""Radio labels on the visible surface: antennas, steering, city physics, labels,
SINR, errors. Everything runs Sionna RT for real on tiny inputs."""
import numpy as np
import pytest

from synthrm.camera.pinhole import PinholeCamera
from synthrm.radio.config import RadioConfig
from synthrm.vas.config import VASConfig
from synthrm.errors import ConfigError
from synthrm.radio import friis_path_gain, fspl_db
from synthrm.radio.radio_map_solver import VASRadioSolver
from synthrm.radio.antenna import (
    ANTENNAS,
    element_positions_m,
    gain_dbi,
    pattern_grid,
    rotation_matrix,
    steering_vector,
    tr38901_element_gain_dbi,
)
from synthrm.radio.frame import FrameSkipped, compute_frame_radio
from synthrm.radio.labels import sinr_linear, window_path_gain
from synthrm.vas.mesh import VASMesh, build_vas

from conftest import tiny_config


def _cylinder_vas(radius=30.0, z0=-8.0, z1=8.0, n_az=72, n_z=4) -> VASMesh:
    """A cylinder of receiver faces around the origin (a ring of 5-degree sectors)."""
    az = np.radians(np.arange(n_az) * 360.0 / n_az)
    zs = np.linspace(z0, z1, n_z + 1)
    v = np.array([[radius * np.cos(a), radius * np.sin(a), z] for z in zs for a in az], np.float32)
    f = []
    for k in range(n_z):
        for i in range(n_az):
            a, b = k * n_az + i, k * n_az + (i + 1) % n_az
            f += [[a, b, b + n_az], [a, b + n_az, a + n_az]]
    f = np.asarray(f, np.int32)
    return VASMesh(v, f, np.zeros((len(v), 2), np.int32), np.full((1, 1), -1, np.int32),
                   np.ones(len(f), np.int16), 0.0)


def test_antenna_model_matches_sionna():
    """Our numpy array model (positions, rotation, element pattern) is Sionna's."""
    from synthrm._mitsuba import mi, sionna_rt
    from sionna.rt.antenna_pattern import v_tr38901_pattern
    from sionna.rt.utils.geometry import rotation_matrix as rt_rotation

    rt = sionna_rt()
    f = 3.5e9
    for name, spec in ANTENNAS.items():
        arr = rt.PlanarArray(num_rows=spec.rows, num_cols=spec.cols, pattern=spec.pattern, polarization="V")
        theirs = np.asarray(arr.positions(299_792_458.0 / f).numpy()).T
        assert np.allclose(element_positions_m(spec, f), theirs, atol=1e-6), name
    ang = (0.7, -0.3, 0.2)
    r = np.asarray(rt_rotation(mi.Point3f(*ang)).numpy()).reshape(3, 3)
    assert np.allclose(rotation_matrix(*ang), r, atol=1e-6)
    th, ph = np.meshgrid(np.linspace(0.01, np.pi - 0.01, 19), np.linspace(-np.pi, np.pi, 37))
    c = v_tr38901_pattern(mi.Float(th.ravel()), mi.Float(ph.ravel()))
    theirs_db = 20 * np.log10(np.abs(np.asarray(c.real.numpy())))
    assert np.allclose(tr38901_element_gain_dbi(th.ravel(), ph.ravel()), theirs_db, atol=1e-3)


def test_pattern_features_fixed_length_and_normalised():
    _, _, dirs = pattern_grid(15.0)
    assert dirs.shape == (13 * 24, 3) and np.allclose(np.linalg.norm(dirs, axis=1), 1)
    _, _, fine = pattern_grid(1.0)
    u0 = np.array([np.cos(0.5) * np.cos(0.2), np.cos(0.5) * np.sin(0.2), np.sin(0.5)])  # off boresight
    for name, spec in ANTENNAS.items():
        for u in ([1.0, 0, 0], u0):
            p = steering_vector(spec, 3.5e9, u)
            assert np.isclose(np.linalg.norm(p), 1)
            g = gain_dbi(spec, 3.5e9, (0, 0, 0), p, fine)
            # the beam peaks where it is steered (within the grid step and the element's tilt)
            assert np.degrees(np.arccos(np.clip(fine[np.argmax(g)] @ u, -1, 1))) < (8 if spec.num_elements > 1 else 180)
        p = steering_vector(spec, 3.5e9, [1.0, 0, 0])
        peak = gain_dbi(spec, 3.5e9, (0, 0, 0), p, np.array([[1.0, 0, 0]]))[0]
        # array gain N times the element's 8 dBi (0 dBi isotropic)
        assert peak == pytest.approx(10 * np.log10(spec.num_elements) + (8 if spec.pattern == "tr38901" else 0), abs=1e-6)
        # rotating the array rotates the pattern: yaw 90 deg moves boresight to +y
        assert gain_dbi(spec, 3.5e9, (np.pi / 2, 0, 0), p, np.array([[0, 1.0, 0]]))[0] == pytest.approx(peak)
    g_siso = gain_dbi(ANTENNAS["siso"], 3.5e9, (0, 0, 0), np.ones(1), dirs)
    assert np.allclose(g_siso, 0)


def test_steered_8x4_array_puts_10db_more_into_its_target_sector():
    """Sionna RT with our precoding vector; the per-face gain over Friis is our pattern."""
    from synthrm.radio.transmitters import TxSet

    vas = _cylinder_vas()
    spec, f = ANTENNAS["8x4"], 3.5e9
    target = np.radians(40.0)
    u = np.array([np.cos(target), np.sin(target), 0.0])
    p = steering_vector(spec, f, u)
    tx = TxSet(positions=np.zeros((1, 3)), orientations=np.zeros((1, 3)), steering=u[None],
               precoding=p[None], patterns=np.zeros((1, 1), np.float32), antenna="8x4")
    solver = VASRadioSolver(None, RadioConfig(samples_per_tx=10 ** 6, max_depth=0))
    pg = solver.path_gain(vas, tx)[0]
    c = vas.face_centers
    az = np.degrees(np.arctan2(c[:, 1], c[:, 0]))
    mid = np.abs(c[:, 2]) < 4.5  # the two middle rows (within about 8 deg of the horizon)
    into = pg[mid & (np.abs(az - 40) <= 10)].mean()
    away = pg[mid & (np.abs(az + 40) <= 10)].mean()
    assert 10 * np.log10(into / away) >= 10
    # Sionna's gain over free space equals our numpy pattern where the beam is strong
    d = np.linalg.norm(c, axis=1)
    meas = 10 * np.log10(np.maximum(pg, 1e-30)) - 10 * np.log10(friis_path_gain(d, f))
    pred = gain_dbi(spec, f, (0, 0, 0), p, c / d[:, None])
    strong = pred > 5
    assert strong.sum() > 10
    assert np.median(np.abs(meas[strong] - pred[strong])) < 1.0


@pytest.fixture(scope="module")
def city_frame(tmp_path_factory):
    """One 64x48 frame of a tiny city with three SISO transmitters at 1e6 rays."""
    from synthrm.dataset.hdf5 import list_samples, read_sample
    from synthrm.generate import generate

    root = tmp_path_factory.mktemp("radio")
    cfg = tiny_config(seed=3, frames=1, radio={"samples_per_tx": 10 ** 6, "tx_per_frame": 3})
    generate(cfg, root, progress=False)
    s = read_sample(root, list_samples(root)[0][1])
    return root, cfg, s


def _line_of_sight(solver, tx, points):
    """(N,) bool: nothing of the solver's scene lies between tx and each point."""
    from synthrm._mitsuba import mi

    d = points - tx
    dist = np.linalg.norm(d, axis=1)
    o = np.broadcast_to(tx, points.shape).astype(np.float32)
    ray = mi.Ray3f(mi.Point3f(*[mi.Float(o[:, i]) for i in range(3)]),
                   mi.Vector3f(*[mi.Float((d / dist[:, None])[:, i]) for i in range(3)]))
    ray.maxt = mi.Float((dist - 0.3).astype(np.float32))
    return ~np.asarray(solver.scene.mi_scene.ray_test(ray).numpy(), bool)


def test_city_los_matches_free_space_and_shadow_is_10db_lower(city_frame):
    from synthrm.camera.pinhole import backproject

    root, cfg, s = city_frame
    pts = backproject(s["depth"], s["K"], s["cam_to_world"])
    hit = np.isfinite(s["depth"])
    gaps, los_dev = [], []
    solver = VASRadioSolver(root / s["attrs"]["scene"], RadioConfig())
    for t, tx in enumerate(s["tx_position"]):
        pg = s["path_gain_db"][t]
        ok = hit & np.isfinite(pg)
        p, g = pts[ok], pg[ok].astype(np.float64)
        los = _line_of_sight(solver, tx, p)
        dist = np.linalg.norm(p - tx, axis=1)
        if los.sum() > 20:
            los_dev.append(g[los] + fspl_db(dist[los], cfg.radio.frequency_hz))
        bins = np.floor(dist / 25)
        for b in np.unique(bins):
            m = bins == b
            if (m & los).sum() >= 10 and (m & ~los).sum() >= 10:
                gaps.append(g[m & los].mean() - g[m & ~los].mean())
    assert los_dev, "no transmitter with line of sight to the view"
    print(f"LoS median(path_gain_db + FSPL) {np.median(np.concatenate(los_dev)):+.2f} dB, "
          f"shadow below LoS by {np.mean(gaps):.1f} dB on average over {len(gaps)} distance bins")
    assert abs(np.median(np.concatenate(los_dev))) <= 6
    assert gaps, "no distance bin with both LoS and shadowed pixels"
    assert np.mean(gaps) >= 10


def test_city_sample_radio_arrays(city_frame):
    _, cfg, s = city_frame
    h, w = s["depth"].shape
    t = cfg.radio.tx_per_frame
    assert s["path_gain_db"].shape == (t, h, w) and s["path_gain_db"].dtype == np.float32
    assert s["sinr_db"].shape == (t, h, w) and s["sinr_db"].dtype == np.float32
    assert s["tx_position"].shape == (t, 3) and s["tx_orientation"].shape == (t, 3)
    assert s["antenna_pattern"].shape == (t, 13 * 24)
    sky = ~np.isfinite(s["depth"])
    assert np.isnan(s["path_gain_db"][:, sky]).all() and np.isnan(s["sinr_db"][:, sky]).all()
    assert np.isfinite(s["path_gain_db"][:, ~sky]).mean() > 0.5
    # physical range: below free space at 1 m, above anything the solver could resolve
    assert np.nanmax(s["path_gain_db"]) < fspl_db(1.0, 3.5e9) * -1
    a = s["attrs"]
    for k, v in (("frequency_hz", 3.5e9), ("bandwidth_hz", 1e6), ("tx_power_dbm", 30.0),
                 ("samples_per_tx", 10 ** 6), ("max_depth", 5), ("antenna", "siso")):
        assert a[k] == v, k
    # transmitters: 1.6 m above ground, outside every footprint, SINR <= SNR
    from synthrm.scene.layout import Layout

    lay = Layout.load((_ := city_frame[0]) / "scenes" / a["scene_id"])
    for p in s["tx_position"]:
        assert p[2] == pytest.approx(1.6) and lay.building_at(p[0], p[1], 0.0) is None
    noise_dbm = a["noise_power_dbm"]
    assert noise_dbm == pytest.approx(10 * np.log10(1.380649e-23 * 293 * 1e6) + 30)
    snr = s["path_gain_db"] + 30.0 - noise_dbm
    assert np.all(s["sinr_db"][np.isfinite(snr)] <= snr[np.isfinite(snr)] + 1e-3)


def test_sinr_matches_sionna_and_noise_kTB():
    vas = _cylinder_vas(n_az=36, n_z=2)
    cfg = RadioConfig(samples_per_tx=10 ** 5, max_depth=0)
    solver = VASRadioSolver(None, cfg)
    tx = np.array([[0.0, 0.0, 0.0], [5.0, 0.0, 1.0]])
    pg = solver.path_gain(vas, tx)
    ours = sinr_linear(pg, cfg.tx_power_dbm, 1.380649e-23 * cfg.temperature_k * cfg.bandwidth_hz)
    theirs = np.asarray(solver.last_map.sinr.numpy(), np.float64).reshape(ours.shape)
    ok = pg > 0
    assert ok.mean() > 0.9
    assert np.allclose(ours[ok], theirs[ok], rtol=1e-3)


def _step_scene():
    """A view of two parallel planes at 10 m and 20 m (a depth discontinuity at column 32)."""
    from synthrm.camera.pinhole import intrinsics, look_at

    w, h = 64, 48
    K = intrinsics(w, h, 60)
    c2w = look_at([0, 0, 0], [0, 1, 0], up=[0, 0, 1])
    depth = np.where(np.arange(w)[None] < w // 2, 10.0, 20.0) * np.ones((h, 1))
    normal = np.broadcast_to([0.0, -1.0, 0.0], (h, w, 3))
    return build_vas(depth, PinholeCamera.for_depth(K, c2w, depth), normal, VASConfig(cell="pixel"))


def test_labels_never_cross_a_depth_discontinuity():
    vas = _step_scene()
    near = vas.face_centers[:, 1] < 15
    assert near.any() and (~near).any()
    g = np.where(near, 1e-8, 0.0)[None]
    w = window_path_gain(vas, g, (g > 0).astype(np.int64), min_rays=4, max_rings=16)
    sm, rings = w.path_gain, w.rings
    assert np.isfinite(sm[0, near]).all() and np.isnan(sm[0, ~near]).all()
    assert (rings[0, ~near] == -1).all()
    px = vas.face_to_pixel(sm)[0]
    assert np.isnan(px[:, 40:]).all() and np.isfinite(px[:, :30]).all()


def test_smoothing_keeps_dense_values_and_averages_sparse_ones():
    vas = _step_scene()
    rng = np.random.default_rng(0)
    dense = rng.uniform(1e-9, 2e-9, vas.num_faces)
    many = np.full((1, vas.num_faces), 50)
    w = window_path_gain(vas, dense[None], many, min_rays=1, max_rings=0)  # ring 0: the face alone
    assert np.allclose(w.path_gain[0], dense) and (w.rings == 0).all() and (w.source == 1).all()
    w = window_path_gain(vas, dense[None], many, min_rays=1, max_rings=4)  # the reference's ring-1 mean
    assert (w.rings == 1).all() and np.all((w.path_gain >= 1e-9) & (w.path_gain <= 2e-9))
    assert np.abs(w.path_gain - 1.5e-9).mean() < np.abs(dense - 1.5e-9).mean()  # smoother
    hit = rng.random(vas.num_faces) < 0.1
    sparse = np.where(hit, 1e-9, 0.0)
    w = window_path_gain(vas, sparse[None], hit[None].astype(np.int64), min_rays=4, max_rings=6)
    assert w.rings.max() > 1 and (w.window_rays[np.isfinite(w.path_gain)] >= 4).all()
    # provenance: 1 only where the face's own cell holds min_rays rays (never here), else 2
    assert set(np.unique(w.source[np.isfinite(w.path_gain)])) == {2}
    # a local mean with zero-ray faces counted: about 10 % of the hit value
    assert 0.03e-9 < np.nanmedian(w.path_gain) < 0.3e-9


@pytest.mark.slow
def test_transmitter_inside_a_building_is_a_clear_error(tmp_path):
    from synthrm.generate import generate
    from synthrm.seeds import scene_seed
    from synthrm.scene.city import generate_city

    # the scene of frame 0 is generated with the derived seed; place the Tx in its building
    cfg = tiny_config(frames=1)
    city = generate_city(cfg.city, scene_seed(cfg.seed, 0))
    c = city.buildings[0].footprint.representative_point()
    bad = tiny_config(frames=1, radio={"tx_placement": "list", "tx_positions_m": [[c.x, c.y, 1.6], [0, 0, 1.6]]})
    with pytest.raises(ConfigError, match=r"tx_positions_m\[0\].*inside a building"):
        generate(bad, tmp_path / "ds", progress=False)
    assert not list((tmp_path / "ds").glob("shards/*.h5"))


@pytest.mark.parametrize("over, msg", [
    ({"frequency_hz": 20e9}, "outside the ITU-R P.2040 range of 'very_dry_ground'"),
    ({"antenna": "2x2"}, "radio.antenna"),
    ({"tx_positions_m": [[0, 0, 1]]}, "set tx_placement: list"),
    ({"tx_placement": "list"}, "no position is given"),
    ({"tx_placement": "list", "tx_positions_m": [[0, 0, -1]]}, "z must be > 0"),
    ({"samples_per_tx": 0}, "samples_per_tx"),
])
def test_bad_radio_settings_are_clear_errors(over, msg, tmp_path):
    from synthrm.generate import generate

    with pytest.raises(ConfigError, match=msg):
        generate(tiny_config(frames=1, radio=over), tmp_path / "ds", progress=False)


def test_empty_view_is_skipped_not_a_nan_sample():
    vas = build_vas(np.full((4, 4), np.nan), PinholeCamera(np.eye(3), np.eye(4), 4, 4))
    with pytest.raises(FrameSkipped, match="sees no surface"):
        compute_frame_radio(None, None, vas, np.zeros((0, 3)), PinholeCamera(np.eye(3), np.eye(4), 4, 4), RadioConfig(), 1)


def test_transmitter_placements():
    """Random: 1.6 m plane, clear of footprints, within the radius, seeded. Camera: Tx 0
    rides on the camera. List: as given."""
    from synthrm.radio.transmitters import place_transmitters
    from synthrm.scene.city import generate_city
    from synthrm.scene.layout import Layout

    cfg = tiny_config(frames=1)
    lay = Layout.from_json(generate_city(cfg.city, 5).footprints_json())
    x0, y0, x1, y1 = lay.extent
    center = np.array([(x0 + x1) / 2, (y0 + y1) / 2, 0.0])
    c2w = np.eye(4)
    c2w[:3, 3] = [center[0] - 30, center[1], 1.5]
    rc = RadioConfig(tx_per_frame=16, tx_radius_m=60.0, antenna="4x4")
    a = place_transmitters(lay, rc, np.random.default_rng(1), center, c2w)
    b = place_transmitters(lay, rc, np.random.default_rng(1), center, c2w)
    assert np.array_equal(a.positions, b.positions) and np.allclose(a.precoding, b.precoding)
    assert np.allclose(a.positions[:, 2], 1.6)
    assert np.all(np.linalg.norm(a.positions[:, :2] - center[:2], axis=1) <= 60.0)
    assert all(lay.building_at(x, y, 0.0, margin_m=0.99) is None for x, y, _ in a.positions)
    assert a.precoding.shape == (16, 16) and a.patterns.shape == (16, 312)
    # orientation "view": the array faces the view centre
    to_view = center[:2] - a.positions[:, :2]
    assert np.allclose(a.orientations[:, 0], np.arctan2(to_view[:, 1], to_view[:, 0]))
    cam = place_transmitters(lay, RadioConfig(tx_placement="camera", tx_per_frame=3), np.random.default_rng(2),
                             center, c2w)
    assert np.allclose(cam.positions[0], c2w[:3, 3] + [0, 0, 0.3]) and len(cam.positions) == 3
    given = [[float(a.positions[0, 0]), float(a.positions[0, 1]), 3.0]]  # known to be outdoors
    lst = place_transmitters(lay, RadioConfig(tx_placement="list", tx_positions_m=given), np.random.default_rng(3),
                             center, c2w)
    assert np.allclose(lst.positions, given)
    # a view centre far outside the scene (camera looking at the horizon) still places
    # transmitters, inside the scene (regression: 2000 failed draws)
    far = np.array([x0 - 500.0, y1 + 400.0, 0.0])
    out = place_transmitters(lay, RadioConfig(tx_per_frame=4), np.random.default_rng(4), far, c2w)
    px, py = out.positions[:, 0], out.positions[:, 1]
    assert np.all((px >= x0) & (px <= x1) & (py >= y0) & (py <= y1))


def test_transmitters_keep_out_of_radio_street_objects():
    """With trees and street lights in the radio scene, a listed Tx inside one is a clear
    error and sampled Tx keep the clearance from them; camera-only objects do not count."""
    from synthrm.radio.transmitters import check_tx_positions, sample_tx_positions
    from synthrm.scene.appearance import city_scene
    from synthrm.scene.city import generate_city
    from synthrm.scene.layout import Layout

    cfg = tiny_config(frames=1)
    city = generate_city(cfg.city, 5)
    parts = city_scene(city, textures=False, street_objects_mode="radio")
    lay = Layout.from_json({**city.footprints_json(), "obstacles": parts.obstacles})
    assert len(lay.obstacles) >= 4
    trunks = lay.obstacles[(lay.obstacles[:, 2] == 0) & (lay.obstacles[:, 5] > 1.6)]
    x, y = (trunks[0, :2] + trunks[0, 3:5]) / 2
    with pytest.raises(ConfigError, match=r"tx_positions_m\[0\].*inside a street object"):
        check_tx_positions(lay, np.array([[x, y, 1.6]]))
    check_tx_positions(lay, np.array([[x, y, trunks[0, 5] + 8.0]]))  # above every object
    rc = RadioConfig(tx_radius_m=6.0, tx_clearance_m=1.0)
    pos = sample_tx_positions(lay, rc, np.random.default_rng(0), np.array([x, y]), 200)
    assert all(lay.obstacle_at(*p, margin_m=0.99) is None for p in pos)
    # the same objects as camera-only scenery: no keep-out
    visual = city_scene(city, textures=False, street_objects_mode="visual")
    assert visual.obstacles == [] and "vegetation" in visual.surfaces
