"""Shared fixtures: the shared data directory (skip when absent), the pkuseg nlp, small real files."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.settings import PROJECT_ROOT, resolve_data_dir

TESTS_DIR = Path(__file__).parent
FIXTURES = TESTS_DIR / "data"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` (or $PIPELINE_DATA_DIR); tests that need it skip when it is absent."""
    d = resolve_data_dir(required=False)
    if d is None:
        pytest.skip(
            "shared data directory not found beside the checkout (../shared) and $PIPELINE_DATA_DIR unset"
        )
    return d


@pytest.fixture(scope="session")
def nlp_pkuseg():
    """A blank Chinese pipeline with the pkuseg tokenizer (the model is fetched once by `pipeline setup`)."""
    from pipeline.tokenizer import make_nlp

    return make_nlp()


@pytest.fixture(scope="session")
def project_root() -> Path:
    return PROJECT_ROOT


@pytest.fixture(scope="session")
def small_vectors(tmp_path_factory) -> Path:
    """Small floret vectors trained on the seed article (seconds), for trainings of configs/ner.cfg in tests."""
    from pipeline.vectors import FloretSettings, train_vectors

    text = (PROJECT_ROOT / "corpus" / "gx-industry-2021.txt").read_text(encoding="utf-8")
    lines = [line for line in text.split("\n") if line.strip()] * 3
    settings = FloretSettings(dim=16, bucket=2000, epoch=2, min_count=1)
    return train_vectors(lines, tmp_path_factory.mktemp("vectors") / "vectors", settings)
