"""Where things are: the project root, the shared data directory, the pkuseg model."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.errors import PipelineError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIGS_DIR = PROJECT_ROOT / "configs"
MODELS_DIR = PROJECT_ROOT / "models"
PKUSEG_DIR = MODELS_DIR / "pkuseg"
DATA_DIR_ENV = "PIPELINE_DATA_DIR"


class DataDirMissing(PipelineError, FileNotFoundError):
    """The shared data directory could not be found."""


def resolve_data_dir(data_dir: str | Path | None = None, *, required: bool = True) -> Path | None:
    """Return the shared data directory.

    Order: the explicit argument (``--data-dir`` / config value), then ``$PIPELINE_DATA_DIR``, then
    ``../shared`` beside the checkout (or beside the current directory) when it exists.
    """
    candidates: list[Path] = []
    if data_dir:
        candidates.append(Path(data_dir))
    elif os.environ.get(DATA_DIR_ENV):
        candidates.append(Path(os.environ[DATA_DIR_ENV]))
    else:
        candidates += [PROJECT_ROOT.parent / "shared", Path.cwd().parent / "shared"]
    for cand in candidates:
        if cand.is_dir():
            return cand.resolve()
    if required:
        tried = ", ".join(str(c) for c in candidates)
        raise DataDirMissing(
            f"shared data directory not found (tried {tried}); pass --data-dir or set {DATA_DIR_ENV}"
        )
    return None
