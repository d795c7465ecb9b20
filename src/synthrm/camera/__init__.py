"""Pinhole cameras in the OpenCV convention and pose samplers."""
from synthrm.camera.pinhole import (
    intrinsics,
    look_at,
    pose_from_angles,
    project,
    to_mitsuba_to_world,
    world_to_camera,
)
from synthrm.camera.poses import sample_pose

__all__ = ["intrinsics", "look_at", "pose_from_angles", "project", "to_mitsuba_to_world",
           "world_to_camera", "sample_pose"]
