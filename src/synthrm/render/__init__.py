"""Optical rendering with Mitsuba: a path-traced RGB image and exact geometry buffers."""
from synthrm.render.renderer import GBuffers, Renderer, linear_to_srgb8

__all__ = ["Renderer", "GBuffers", "linear_to_srgb8"]
