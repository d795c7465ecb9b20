"""The render stage: Mitsuba path-traced RGB and exact G-buffers, with environmental
variations. ``synthrm.render.config`` (settings, lighting) is light; the renderer
(``synthrm.render.renderer``: ``Renderer``, ``GBuffers``) loads Mitsuba."""
