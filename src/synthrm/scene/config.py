"""Settings of the scene stage: procedural cities and apartments. Lengths in metres."""
from __future__ import annotations

from dataclasses import dataclass, field

from synthrm.checks import check_range, require
from synthrm.scene.districts import DISTRICTS


@dataclass
class CityConfig:
    """Procedural city layout. Lengths in metres."""

    district: str = "mix"
    """District style: ``downtown`` (dense, tall), ``mix`` or ``margin`` (sparse, low)."""
    blocks_x: int = 3
    """Number of city blocks along x."""
    blocks_y: int = 3
    """Number of city blocks along y."""
    block_size_m: tuple[float, float] = (60.0, 100.0)
    """Range of block edge lengths [m]; each block row/column draws its own."""
    street_width_m: tuple[float, float] = (12.0, 24.0)
    """Range of street widths [m], drawn per street."""
    sidewalk_width_m: float = 3.0
    """Sidewalk width along every block edge [m]."""
    parcel_size_m: tuple[float, float] = (20.0, 40.0)
    """Range of parcel edge lengths [m] when a block is split into parcels."""
    density: float = 0.7
    """Probability that a parcel holds a building, in [0, 1]."""
    height_m: tuple[float, float] = (8.0, 40.0)
    """Range of building heights [m] (log-uniform)."""
    tower_probability: float = 0.1
    """Probability that a building is a tower on a podium."""
    margin_m: float = 40.0
    """Width of open ground around the street grid [m]."""
    outskirts_m: float = 600.0
    """Flat ground added beyond the city extent on every side [m], so that oblique views
    see a horizon instead of the void below it."""
    radio_materials: dict[str, str] = field(default_factory=dict)
    """Overrides of the semantic class -> ITU material table, e.g. ``{facade: brick}``."""
    textures: bool = True
    """Procedural appearance: facades with window grids and floor lines (styles varying per
    building and district), asphalt with lane markings, paved sidewalks, grass, roofs.
    False: one flat colour per class (the radio scene is the same either way)."""
    facade_styles: int = 4
    """Facade styles (colour, window size, blinds, lit windows at night) per city."""
    glass_windows: bool = False
    """Cut the window grid out of the facades as ``window`` surfaces with the ITU ``glass``
    radio material (semantic class ``window``); False: windows are only painted."""
    street_objects: str = "none"
    """Trees and street lights: ``none``, ``visual`` (in the images only) or ``radio``
    (also in the radio scene: ``vegetation`` as thin wood, ``pole`` as metal)."""
    tree_spacing_m: float = 12.0
    """Spacing of candidate tree spots along each sidewalk [m] (3 in 4 get a tree)."""
    lamp_spacing_m: float = 30.0
    """Spacing of street lights along each street side [m] (they light the night)."""

    def __post_init__(self):
        require(self.street_objects in ("none", "visual", "radio"),
                 f"city.street_objects: must be none, visual or radio, got {self.street_objects!r}")
        for n in ("textures", "glass_windows"):
            require(isinstance(getattr(self, n), bool), f"city.{n}: must be true or false, got {getattr(self, n)!r}")
        require(isinstance(self.facade_styles, int) and 1 <= self.facade_styles <= 32,
                 f"city.facade_styles: must be an integer in [1, 32], got {self.facade_styles!r}")
        require(self.tree_spacing_m >= 4, f"city.tree_spacing_m: must be >= 4 m, got {self.tree_spacing_m}")
        require(self.lamp_spacing_m >= 5, f"city.lamp_spacing_m: must be >= 5 m, got {self.lamp_spacing_m}")
        DISTRICTS.get(self.district, "city.district")
        for n in ("blocks_x", "blocks_y"):
            v = getattr(self, n)
            require(isinstance(v, int) and 1 <= v <= 50, f"city.{n}: must be an integer in [1, 50], got {v!r}")
        for n in ("block_size_m", "street_width_m", "parcel_size_m", "height_m"):
            v = tuple(float(x) for x in getattr(self, n))
            setattr(self, n, v)
            check_range(v, f"city.{n}")
            require(v[0] > 0, f"city.{n}: lengths must be > 0 m, got {list(v)}")
        require(0 <= self.density <= 1, f"city.density: must be in [0, 1], got {self.density}")
        require(0 <= self.tower_probability <= 1, f"city.tower_probability: must be in [0, 1], got {self.tower_probability}")
        require(0 <= self.sidewalk_width_m < self.block_size_m[0] / 4,
                 f"city.sidewalk_width_m: must be in [0, block_size_m[0]/4), got {self.sidewalk_width_m}")
        require(self.margin_m >= 0, f"city.margin_m: must be >= 0 m, got {self.margin_m}")
        require(self.outskirts_m >= 0, f"city.outskirts_m: must be >= 0 m, got {self.outskirts_m}")
        from synthrm.scene.classes import check_radio_materials
        check_radio_materials(self.radio_materials)


@dataclass
class ApartmentConfig:
    """Procedural apartments (indoor presets)."""

    area_m2: tuple[float, float] = (40.0, 250.0)
    """Range of the floor area [m^2]; each apartment draws one."""
    room_max_m2: float = 25.0
    """Rooms are split until smaller than this [m^2]."""
    room_min_m: float = 2.4
    """Smallest room side [m]."""
    corridor_min_area_m2: float = 80.0
    """Apartments at least this large get a corridor along their long axis [m^2]."""
    height_m: float = 2.7
    """Floor-to-ceiling height [m]."""
    exterior_wall_thickness_m: float = 0.25
    """Outer walls [m]."""
    interior_wall_thickness_m: float = 0.1
    """Partitions [m]."""
    exterior_materials: tuple[str, ...] = ("concrete", "brick")
    """ITU materials the outer walls draw from (one per apartment)."""
    interior_materials: tuple[str, ...] = ("plasterboard", "brick", "wood", "concrete")
    """ITU materials the partitions draw from (one per apartment)."""
    floor_materials: tuple[str, ...] = ("concrete", "marble", "wood")
    """ITU materials the floor slab draws from (one per apartment; P.2040 ``floorboard``
    is only defined from 50 GHz, so it is not a default at 3.5 GHz)."""
    slab_thickness_m: float = 0.2
    """Floor and ceiling slabs [m]."""
    door_width_m: float = 0.9
    door_height_m: float = 2.1
    extra_door_probability: float = 0.3
    """Chance that a wall beyond the spanning tree of rooms also gets a door."""
    window_width_m: float = 1.2
    window_height_m: float = 1.2
    window_sill_m: float = 0.9
    window_probability: float = 0.8
    """Chance that a room's exterior wall gets a window."""
    furniture_per_room: tuple[int, int] = (1, 4)
    """Range of furniture pieces per room."""

    def __post_init__(self):
        from synthrm.scene.classes import MATERIAL_IDS

        check_range(self.area_m2, "apartment.area_m2")
        require(self.area_m2[0] >= 10, f"apartment.area_m2: the smallest area must be >= 10 m^2, got {self.area_m2[0]}")
        require(self.room_min_m >= 1.5, f"apartment.room_min_m: must be >= 1.5 m, got {self.room_min_m}")
        require(self.room_max_m2 >= 2 * self.room_min_m ** 2,
                 f"apartment.room_max_m2: must be >= 2 * room_min_m^2 = {2 * self.room_min_m ** 2}, got {self.room_max_m2}")
        require(self.door_height_m < self.height_m > self.window_sill_m + self.window_height_m,
                 "apartment: doors and windows must fit below the ceiling (height_m)")
        for n in ("exterior_wall_thickness_m", "interior_wall_thickness_m", "slab_thickness_m", "door_width_m"):
            require(getattr(self, n) > 0, f"apartment.{n}: must be > 0 m, got {getattr(self, n)}")
        for m in (*self.exterior_materials, *self.interior_materials, *self.floor_materials):
            require(m in MATERIAL_IDS and m not in ("none", "vacuum"), f"apartment: unknown ITU material {m!r}")
        check_range(self.furniture_per_room, "apartment.furniture_per_room")
