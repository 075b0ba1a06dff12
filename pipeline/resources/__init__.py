"""The built-in word lists and settings of the rule components, shipped inside the package.

``numeric.json`` (numeric_entities), ``places.json`` (place_linker), ``gazetteer.json`` (aliases, abbreviations
and exclusions of the gazetteer).  They are read when a component is *initialised* (``nlp.initialize()``, i.e.
``pipeline train`` or assembling a pipeline) and then saved inside the model directory, so a trained model never
reads them again; a training config may name other files instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

RESOURCES_DIR = Path(__file__).resolve().parent


def resource_path(name: str) -> Path:
    """The path of a built-in resource file (``"numeric.json"``)."""
    return RESOURCES_DIR / name


def read_settings(path: str | Path | None, default: str) -> dict[str, Any]:
    """Read a JSON settings file (``None``: the built-in ``default``); a one-line
    :class:`~pipeline.io.FileFormatError` naming the file (and line) when it cannot be used."""
    from pipeline.io import FileFormatError, read_json

    p = Path(path) if path else resource_path(default)
    data = read_json(p, "settings file")
    if not isinstance(data, dict):
        raise FileFormatError(f"{p}:1: settings must be a JSON object")
    return data
