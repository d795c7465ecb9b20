"""Settings of the radio stage (Sionna RT), beside the solver they drive."""
from __future__ import annotations

from dataclasses import dataclass, field

from synthrm.checks import require
from synthrm.errors import ConfigError
from synthrm.radio.antenna import ANTENNAS
from synthrm.radio.budget import RayBudget, resolve_budget


@dataclass
class RadioConfig:
    """Sionna RT radio-map settings (defaults: the SynthRM paper's Table 4, except the
    ray budget, which defaults to what fits a 2-core machine)."""

    frequency_hz: float = 3.5e9
    """Carrier frequency [Hz]."""
    bandwidth_hz: float = 1e6
    """Bandwidth for the thermal noise k*T*B [Hz]."""
    tx_power_dbm: float = 30.0
    """Transmit power per transmitter [dBm]."""
    temperature_k: float = 293.0
    """Receiver noise temperature [K]."""
    samples_per_tx: int | str = "auto"
    """Rays per transmitter of the first Monte Carlo pass (the SynthRM paper uses 2**31), or ``auto``:
    5e6 on a CPU, 1e8 on CUDA (``synthrm.radio.budget``). See ``docs/radio.md`` for the
    density / accuracy / time trade-off."""
    max_samples_per_tx: int | str = "auto"
    """Progressive budget: most rays a transmitter gets over all passes; ``auto``: 2e7 on
    a CPU, 2**31 on CUDA when ``samples_per_tx`` is ``auto``, else ``samples_per_tx`` (no
    extra pass)."""
    max_rays_per_frame: int | str = "auto"
    """Progressive budget: most rays of all transmitters of a frame together; ``auto``:
    4e7 on a CPU, 2**34 on CUDA."""
    target_ray_share: float = 0.9
    """Progressive budget: a transmitter gets more rays while the share of the view its
    Monte Carlo windows label (ring 1 holding ``min_rays`` rays) is below this."""
    max_depth: int = 5
    """Maximum number of interactions per path (the SynthRM paper uses 20)."""
    los: bool = True
    """Line-of-sight paths."""
    specular_reflection: bool = True
    """Specular reflections."""
    diffuse_reflection: bool = False
    """Diffuse reflections (off in the SynthRM paper's Table 4)."""
    refraction: bool = True
    """Refraction (transmission through walls)."""
    diffraction: bool = False
    """First-order diffraction on wedges in the Monte Carlo map. Off by default, unlike the
    SynthRM paper's Table 4: in Sionna RT's mesh radio map it adds next to no power at
    several times the cost, so the rays go where they count (measurements in
    ``docs/radio.md``). The fill's exact paths include diffraction either way."""
    edge_diffraction: bool = False
    """Diffraction on free-floating edges (off in the SynthRM paper's Table 4)."""
    diffraction_lit_region: bool = True
    """Diffracted field also in the lit region."""
    enabled: bool = True
    """Compute radio maps (False: the optical dataset of the foundation only)."""
    tx_per_frame: int = 4
    """Transmitters per frame: each is a label (T, H, W); the others interfere in SINR."""
    tx_placement: str = "random"
    """``random``: sampled on the plane ``tx_height_m`` above ground outside every
    footprint, within ``tx_radius_m`` of the view centre; ``district``: the same, but
    uniform over the whole city (the scene's extent), wherever the camera looks (the
    SynthRM paper's Figure 8); ``camera``: Tx 0 rides on the camera's own vehicle or drone
    (``camera_tx_offset_m``), the rest are random; ``list``: the positions of
    ``tx_positions_m`` in every frame."""
    tx_positions_m: list = field(default_factory=list)
    """User transmitter positions [[x, y, z], ...] [m] for ``tx_placement: list``."""
    tx_height_m: float = 1.6
    """Height of the sampling plane above ground [m] (the SynthRM paper's 1.6 m)."""
    tx_radius_m: float = 120.0
    """Random Tx lie within this horizontal distance of the view centre [m]."""
    tx_clearance_m: float = 1.0
    """Minimum horizontal distance of a random Tx from any building footprint [m]."""
    camera_tx_offset_m: tuple[float, float, float] = (0.0, 0.0, 0.3)
    """Offset of the camera-mounted Tx from the camera centre, world axes [m]."""
    antenna: str = "siso"
    """Transmit antenna: ``siso`` (isotropic), ``4x4`` or ``8x4`` (TR 38.901 elements)."""
    orientation: str = "view"
    """Array boresight (horizontal): ``view`` (towards the view centre) or ``random``."""
    steering: str = "random"
    """Beam steering (precoding): ``view`` (at the view centre), ``boresight``, or
    ``random`` (within ``steering_max_deg`` of boresight in azimuth, a third of it in
    elevation)."""
    steering_max_deg: float = 60.0
    """Largest random steering angle off boresight in azimuth [deg]."""
    pattern_step_deg: float = 15.0
    """Grid step of the antenna pattern feature vector [deg] (15: 13 x 24 = 312 values)."""
    exact_los: bool = True
    """Line of sight exactly, the rest Monte Carlo: the direct path to every face the Tx sees
    is Friis times the transmit pattern (no ray noise), the Monte Carlo passes add only
    paths with at least one interaction. False: everything from the rays, as the SynthRM paper."""
    min_rays: int = 2
    """Noise control: a face's label is the mean over the smallest same-surface window
    (ring 1, 2, ... ``max_rings``) that rays crossed at least this many times."""
    max_rings: int = 2
    """Noise control: widest averaging window, in rings of neighbouring faces."""
    fill: bool = True
    """Label the faces no window reaches (provenance 3 and 4, ``synthrm.radio.fill``)."""
    fill_max_rings: int = 8
    """Fill: the noise-control window keeps growing up to this many rings within one surface
    and one line-of-sight state (provenance 3)."""
    fill_exact_receivers: int = 256
    """Most exact-path receivers (one per surface fragment without any ray) of the fill."""
    fill_exact_depth: int = 2
    """Interactions of the fill's exact paths (Sionna ``PathSolver``, diffraction included)."""
    exact_diffraction: bool = True
    """Diffraction exactly (``synthrm.radio.diffraction``): on every face a transmitter does not
    see, the paths with one diffraction (reflections and refractions before and after the
    wedge, up to ``max_depth`` interactions) from Sionna's path solver, shared between
    surface patches. The Monte Carlo map has none on a mesh surface (``docs/radio.md``)."""
    multi_edge: bool = True
    """Faces no other mechanism reaches (two roofs away, behind a thick block) take an ITU-R
    P.526 multi-edge estimate over the scene's buildings (``synthrm.radio.multi_edge``)."""
    diffraction_patch_m: float = 4.0
    """Diffraction: grid size of the surface patches, one exact receiver each [m]."""
    diffraction_proxies: int = 8
    """Diffraction: patch receivers the chain search is run for."""
    diffraction_samples_per_src: int = 200_000
    """Diffraction: rays per transmitter of the chain search."""
    diffraction_scouts: int = 256
    """Diffraction: patch receivers that solve every chain found."""
    diffraction_neighbours: int = 12
    """Diffraction: the other patches solve the chains valid at this many nearest scouts."""
    diffraction_max_chains: int = 800
    """Diffraction: most chains a patch solves per transmitter."""
    diffraction_rounds: int = 1
    """Diffraction: chain searches; each after the first is run for the patches the chains
    found so far miss (2: a few tenths of a dB better in shadow, about 2 s more a frame on
    a 2-core CPU; ``docs/radio.md``)."""

    def __post_init__(self):
        # ITU-R P.2040 material models in Sionna RT are valid from 1 to 100 GHz at most;
        # each material's own range is checked against the scene (``radio.check_frequency``)
        require(1e9 <= self.frequency_hz <= 100e9,
                 f"radio.frequency_hz: must lie in the ITU material range [1e9, 1e11] Hz, got {self.frequency_hz:g}")
        require(self.bandwidth_hz > 0, f"radio.bandwidth_hz: must be > 0 Hz, got {self.bandwidth_hz}")
        require(self.temperature_k > 0, f"radio.temperature_k: must be > 0 K, got {self.temperature_k}")
        for n in ("samples_per_tx", "max_samples_per_tx"):
            v = getattr(self, n)
            require(v == "auto" or (isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 2 ** 31),
                     f"radio.{n}: must be auto or an integer in [1, 2**31], got {v!r}")
        v = self.max_rays_per_frame
        require(v == "auto" or (isinstance(v, int) and not isinstance(v, bool) and v >= 1),
                 f"radio.max_rays_per_frame: must be auto or an integer >= 1, got {v!r}")
        require(isinstance(self.target_ray_share, (int, float)) and 0 <= self.target_ray_share <= 1,
                 f"radio.target_ray_share: must be in [0, 1], got {self.target_ray_share!r}")
        require(isinstance(self.max_depth, int) and 0 <= self.max_depth <= 50,
                 f"radio.max_depth: must be an integer in [0, 50], got {self.max_depth!r}")
        require(isinstance(self.tx_per_frame, int) and 1 <= self.tx_per_frame <= 64,
                 f"radio.tx_per_frame: must be an integer in [1, 64], got {self.tx_per_frame!r}")
        require(self.tx_placement in TX_PLACEMENTS,
                 f"radio.tx_placement: must be one of {TX_PLACEMENTS}, got {self.tx_placement!r}")
        ANTENNAS.get(self.antenna, "radio.antenna")
        require(self.orientation in ("view", "random"),
                 f"radio.orientation: must be view or random, got {self.orientation!r}")
        require(self.steering in ("view", "boresight", "random"),
                 f"radio.steering: must be view, boresight or random, got {self.steering!r}")
        require(0 <= self.steering_max_deg <= 90, f"radio.steering_max_deg: must be in [0, 90], got {self.steering_max_deg}")
        require(self.tx_height_m > 0, f"radio.tx_height_m: must be > 0 m (above ground), got {self.tx_height_m}")
        require(self.tx_radius_m > 0, f"radio.tx_radius_m: must be > 0 m, got {self.tx_radius_m}")
        require(self.tx_clearance_m >= 0, f"radio.tx_clearance_m: must be >= 0 m, got {self.tx_clearance_m}")
        require(len(self.camera_tx_offset_m) == 3, f"radio.camera_tx_offset_m: expected [dx, dy, dz], got {self.camera_tx_offset_m!r}")
        step = self.pattern_step_deg
        require(0 < step <= 90 and abs(180 / step - round(180 / step)) < 1e-9,
                 f"radio.pattern_step_deg: must divide 180 and lie in (0, 90], got {step}")
        require(isinstance(self.min_rays, int) and 1 <= self.min_rays <= 10 ** 6,
                 f"radio.min_rays: must be an integer in [1, 1e6], got {self.min_rays!r}")
        for n in ("fill", "exact_los"):
            require(isinstance(getattr(self, n), bool), f"radio.{n}: must be true or false, got {getattr(self, n)!r}")
        require(isinstance(self.fill_max_rings, int) and 0 <= self.fill_max_rings <= 64,
                 f"radio.fill_max_rings: must be an integer in [0, 64], got {self.fill_max_rings!r}")
        require(isinstance(self.fill_exact_receivers, int) and 0 <= self.fill_exact_receivers <= 10 ** 5,
                 f"radio.fill_exact_receivers: must be an integer in [0, 1e5], got {self.fill_exact_receivers!r}")
        require(isinstance(self.fill_exact_depth, int) and 0 <= self.fill_exact_depth <= 10,
                 f"radio.fill_exact_depth: must be an integer in [0, 10], got {self.fill_exact_depth!r}")
        require(isinstance(self.multi_edge, bool), f"radio.multi_edge: must be true or false, got {self.multi_edge!r}")
        require(isinstance(self.exact_diffraction, bool),
                f"radio.exact_diffraction: must be true or false, got {self.exact_diffraction!r}")
        require(isinstance(self.diffraction_patch_m, (int, float)) and 0.1 <= self.diffraction_patch_m <= 1000,
                f"radio.diffraction_patch_m: must be in [0.1, 1000] m, got {self.diffraction_patch_m!r}")
        for n, lo, hi in (("diffraction_proxies", 1, 4096), ("diffraction_samples_per_src", 1, 2 ** 31),
                          ("diffraction_rounds", 1, 8),
                          ("diffraction_scouts", 1, 10 ** 5), ("diffraction_neighbours", 1, 4096),
                          ("diffraction_max_chains", 1, 10 ** 6)):
            v = getattr(self, n)
            require(isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi,
                    f"radio.{n}: must be an integer in [{lo}, {hi:g}], got {v!r}")
        require(isinstance(self.max_rings, int) and 0 <= self.max_rings <= 64,
                 f"radio.max_rings: must be an integer in [0, 64], got {self.max_rings!r}")
        pos = self.tx_positions_m
        require(isinstance(pos, (list, tuple)) and all(
            isinstance(p, (list, tuple)) and len(p) == 3 and all(isinstance(c, (int, float)) for c in p) for p in pos),
            f"radio.tx_positions_m: expected a list of [x, y, z] positions in metres, got {pos!r}")
        self.tx_positions_m = [[float(c) for c in p] for p in pos]
        if self.tx_placement == "list":
            require(len(pos) > 0, "radio.tx_positions_m: tx_placement is 'list' but no position is given; "
                     "add [[x, y, z], ...] or use tx_placement: random")
            for i, p in enumerate(self.tx_positions_m):
                require(p[2] > 0, f"radio.tx_positions_m[{i}] = {p}: z must be > 0 m (above the ground)")
            self.tx_per_frame = len(pos)
        elif pos:
            raise ConfigError(f"radio.tx_positions_m: given, but tx_placement is {self.tx_placement!r}; "
                              "set tx_placement: list to use them")

    def budget(self, backend: str) -> RayBudget:
        """The ray budget of these settings on ``backend`` (``llvm``: CPU, ``cuda``): the one
        place ``samples_per_tx``, ``max_samples_per_tx`` and ``max_rays_per_frame`` become
        ray counts, for city frames and indoor planes alike (``synthrm.radio.budget``)."""
        return resolve_budget(self.samples_per_tx, self.max_samples_per_tx, self.max_rays_per_frame, backend)


TX_PLACEMENTS = ("random", "district", "camera", "list")
