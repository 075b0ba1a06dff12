"""The built-in word lists and settings of the rule components, shipped inside the package.

``numeric.json`` (numeric_entities), ``places.json`` (place_linker), ``gazetteer.json`` (aliases, abbreviations
and exclusions of the gazetteer).  They are read when a component is *initialised* (``nlp.initialize()``, i.e.
``pipeline train`` or assembling a pipeline) and then saved inside the model directory, so a trained model never
reads them again; a training config may name other files instead.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RESOURCES_DIR = Path(__file__).resolve().parent


def resource_path(name: str) -> Path:
    """The path of a built-in resource file (``"numeric.json"``)."""
    return RESOURCES_DIR / name


def read_settings(path: str | Path | None, default: str) -> dict[str, Any]:
    """Read a JSON settings file (``None``: the built-in ``default``); one-line ``ValueError`` when invalid."""
    p = Path(path) if path else resource_path(default)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{p}: settings file not found") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{p}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{p}:1: settings must be a JSON object")
    return data
