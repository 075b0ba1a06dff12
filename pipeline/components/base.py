"""What the rule components share: settings read by ``initialize`` and kept in the model directory.

A rule component holds plain data — its settings (``settings.json`` in its folder of the model) and possibly
larger tables (``<name>.msgpack``, e.g. the gazetteer) — from which it builds what it runs (:meth:`_build`).
``initialize`` reads the built-in files (``pipeline/resources/``) or the ones a config names; after that a
saved pipeline never reads them again.  :func:`settings_from_dict` checks a settings dict against a dataclass:
unknown keys are an error (a typo), keys with a default may be missing.
"""

from collections.abc import Callable, Iterable
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any, TypeVar

import srsly
from spacy.training import Example
from spacy.util import SimpleFrozenList

from pipeline.resources import read_settings

T = TypeVar("T")
SETTINGS = "settings"


def settings_from_dict(cls: type[T], data: dict[str, Any], source: str) -> T:
    """``cls(**data)`` after checking the keys (``_comment`` is ignored); one-line ``ValueError`` otherwise."""
    data = {k: v for k, v in data.items() if k != "_comment"}
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    required = {f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING}  # type: ignore[arg-type]
    unknown, missing = sorted(set(data) - names), sorted(required - set(data))
    if unknown or missing:
        raise ValueError(f"{source}:1: bad settings: unknown keys {unknown}, missing keys {missing}")
    return cls(**data)


def settings_to_dict(settings: Any) -> dict[str, Any]:
    return {f.name: getattr(settings, f.name) for f in fields(settings)}


class RuleComponent:
    """Base class: ``data`` (``{"settings": {...}, other tables...}``) → :meth:`_build`; serialisation; scorer."""

    name: str
    scorer: Callable | None
    settings_file: str  # the built-in settings in pipeline/resources/
    data: dict[str, Any] | None = None

    def initialize(
        self,
        get_examples: Callable[[], Iterable[Example]] | None = None,
        *,
        nlp: Any = None,
        settings_path: str | None = None,
    ) -> None:
        """Read the settings (``settings_path``; None = the built-in file)."""
        source = str(settings_path or self.settings_file)
        self._set({SETTINGS: read_settings(settings_path, self.settings_file)}, source)

    def _build(self, data: dict[str, Any], source: str) -> None:
        """Build the runtime objects from ``data`` (``source`` names where it came from, for errors)."""
        raise NotImplementedError

    def _set(self, data: dict[str, Any], source: str) -> None:
        self._build(data, source)
        self.data = data

    def _ready(self) -> dict[str, Any]:
        if self.data is None:
            raise ValueError(
                f"component '{self.name}' has no data: call nlp.initialize() or load a saved pipeline"
            )
        return self.data

    def score(self, examples: Iterable[Example], **kwargs: Any) -> dict[str, Any]:
        return self.scorer(examples, **kwargs) if self.scorer else {}

    def to_bytes(self, *, exclude: Iterable[str] = SimpleFrozenList()) -> bytes:
        return srsly.msgpack_dumps(self._ready())

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = SimpleFrozenList()):
        self._set(srsly.msgpack_loads(data), f"{self.name} (bytes)")
        return self

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = SimpleFrozenList()) -> None:
        """``settings.json`` (readable) and one ``<name>.msgpack`` per other table, in ``path``."""
        data = self._ready()
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / f"{SETTINGS}.json", data[SETTINGS])
        for key, table in data.items():
            if key != SETTINGS:
                srsly.write_msgpack(path / f"{key}.msgpack", table)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = SimpleFrozenList()):
        path = Path(path)
        data = {SETTINGS: srsly.read_json(path / f"{SETTINGS}.json")}
        for file in sorted(path.glob("*.msgpack")):
            data[file.stem] = srsly.read_msgpack(file)
        self._set(data, str(path / f"{SETTINGS}.json"))
        return self
