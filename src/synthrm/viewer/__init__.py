"""``synthrm view``: a browser viewer of scenes, cameras and radio on the visible surface.

:mod:`synthrm.viewer.model` (numpy: what to draw), :mod:`synthrm.viewer.glb` (the textured
surface as binary glTF), :mod:`synthrm.viewer.draw` (scene nodes) and
:mod:`synthrm.viewer.server` (the viser server and the static export; the only module of
synthrm that imports viser, on first use). See ``docs/viewer.md``.
"""
from synthrm.viewer.model import describe, find_layers, layer_image, read_frames, sample_surface, scene_meshes

__all__ = ["describe", "find_layers", "layer_image", "read_frames", "sample_surface", "scene_meshes", "serve",
           "static_html", "write_static_view"]


def __getattr__(name):
    if name in ("serve", "static_html", "write_static_view"):
        from synthrm.viewer import server

        return getattr(server, name)
    raise AttributeError(name)
