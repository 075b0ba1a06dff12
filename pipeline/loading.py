"""Loading a model for a command: :func:`pipeline.nlp.load_nlp`, with every failure a one-line ``ModelError``.

``load_nlp`` checks the model directory itself (missing, incomplete, foreign); a file that is there but
damaged (truncated, overwritten) fails deep inside spaCy with a message that names no file.  This module
finds the file from the failure and names it.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType

from spacy.language import Language

from pipeline.errors import ModelError, PipelineError


def _damaged_file(tb: TracebackType | None, root: Path) -> Path | None:
    """The file under ``root`` that the innermost frame of a failure was reading, if any."""
    found = None
    while tb is not None:
        for value in tb.tb_frame.f_locals.values():
            if isinstance(value, (str, os.PathLike)) and str(value).startswith(str(root)):
                candidate = Path(value)
                if candidate.is_file():
                    found = candidate
        tb = tb.tb_next
    return found


def load_model(model: str | Path) -> Language:
    """The loaded pipeline ``model`` (a model directory or ``"rules"``), or :class:`ModelError` in one line."""
    from pipeline.nlp import load_nlp

    try:
        return load_nlp(model)
    except PipelineError:
        raise
    except FileNotFoundError as exc:
        raise ModelError(str(exc).splitlines()[0] if str(exc) else f"model {model} not found") from None
    except Exception as exc:
        root = Path(model).resolve()
        where = _damaged_file(exc.__traceback__, root)
        what = f"{where}" if where else f"model {model}"
        lines = str(exc).strip().splitlines()
        why = f"{type(exc).__name__}: {lines[-1] if lines else ''}".rstrip(": ")
        raise ModelError(
            f"{what}: cannot load the model ({why}); the file is damaged or incomplete: copy or train it again"
        ) from None
