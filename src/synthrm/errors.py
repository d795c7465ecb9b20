"""Errors raised by synthrm. The CLI prints them as one line and exits non-zero."""


class SynthrmError(Exception):
    """A problem with the user's input or environment, with a message naming the fix."""


class ConfigError(SynthrmError, ValueError):
    """An invalid configuration value, preset or file."""


class PoseError(SynthrmError):
    """No valid camera pose could be placed."""


class DatasetError(SynthrmError):
    """A dataset folder or shard that cannot be read or written."""


class SceneError(SynthrmError, ValueError):
    """A scene that cannot be used: a missing, unreadable or invalid mesh, an unknown
    semantic class or material."""
