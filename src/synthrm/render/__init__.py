"""The render stage: Mitsuba path-traced RGB and exact G-buffers, with environmental
variations. ``synthrm.render.config`` is light; the renderer (Mitsuba) loads on first use."""
__all__ = ["Renderer", "GBuffers", "linear_to_srgb8"]


def __getattr__(name):
    if name in ("Renderer", "GBuffers"):
        from synthrm.render import renderer

        return getattr(renderer, name)
    if name == "linear_to_srgb8":
        from synthrm.color import linear_to_srgb8

        return linear_to_srgb8
    raise AttributeError(name)
