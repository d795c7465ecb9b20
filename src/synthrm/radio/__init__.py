"""Radio maps on the visible surface with Sionna RT (work in progress, issue 3)."""
from synthrm.radio.radio_map_solver import VASRadioSolver, fspl_db, friis_path_gain

__all__ = ["VASRadioSolver", "friis_path_gain", "fspl_db"]
