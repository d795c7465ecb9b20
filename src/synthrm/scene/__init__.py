"""The scene stage: procedural cities (districts: ``scene/districts.py``) and apartments,
their appearance, and the scene folders Sionna RT and Mitsuba load (``scene/build.py``,
``scene/writer.py``). Settings: ``scene/config.py``."""
