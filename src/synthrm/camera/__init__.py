"""The camera stage: the :class:`PinholeCamera` value (OpenCV convention) and the pose
samplers. Settings: ``camera/config.py``."""
from synthrm.camera.pinhole import (
    PinholeCamera,
    intrinsics,
    look_at,
    pose_from_angles,
    project,
    to_mitsuba_to_world,
    world_to_camera,
)
from synthrm.camera.poses import sample_pose

__all__ = ["PinholeCamera", "intrinsics", "look_at", "pose_from_angles", "project", "to_mitsuba_to_world",
           "world_to_camera", "sample_pose"]
