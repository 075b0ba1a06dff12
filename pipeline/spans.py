"""What the components write on a ``Doc``: the span-group keys (``doc.spans``) and the ``._`` extensions.

Every module reads these names from here; :func:`register_extensions` registers them all (idempotent), and
importing any component does it.

Span groups:
- ``numeric`` (:data:`NUMERIC_KEY`): MONEY/QUANTITY/PERCENT candidates of ``numeric_entities``, with values.
- ``places`` (:data:`PLACES_KEY`): gazetteer GPE candidates of ``place_linker``.
- ``names`` (:data:`NAMES_KEY`): ORG/LOC candidates of the name grammar.
- ``ner`` (:data:`MODEL_KEY`): the statistical NER's own entities, kept by ``entity_merger`` before it merges
  them with the rule candidates (so rule/model disagreement can be measured).

Extensions:
- ``Span._.value``, ``value_max`` (floats), ``unit``, ``currency``, ``qualifier`` (strings): numeric values.
- ``Span._.adcode``, ``level``, ``province``: the place link of a GPE span (getters over ``Doc._.place_links``,
  which maps ``"start:end"`` character offsets to ``{"name", "adcode", "level", "province"}``).
- ``Doc._.doc_id``: the input document's id.
"""

from __future__ import annotations

from typing import Any

from spacy.tokens import Doc, Span

NUMERIC_KEY = "numeric"
PLACES_KEY = "places"
NAMES_KEY = "names"
MODEL_KEY = "ner"

NUMERIC_EXTENSIONS: tuple[str, ...] = ("value", "value_max", "unit", "currency", "qualifier")
PLACE_EXTENSIONS: tuple[str, ...] = ("adcode", "level", "province")
SPAN_EXTENSIONS: tuple[str, ...] = NUMERIC_EXTENSIONS + PLACE_EXTENSIONS
FLOAT_EXTENSIONS: tuple[str, ...] = ("value", "value_max")


def link_key(start: int, end: int) -> str:
    """The key of a place link in ``Doc._.place_links``: character offsets ``"start:end"``."""
    return f"{start}:{end}"


def span_link(span: Span) -> dict[str, Any] | None:
    """The place link stored for ``span``'s character offsets, if any."""
    links = span.doc._.place_links or {}
    return links.get(link_key(span.start_char, span.end_char))


def _link_getter(field_name: str):
    def get(span: Span) -> Any:
        link = span_link(span)
        return link.get(field_name) if link else None

    return get


def register_extensions() -> None:
    """Register every ``Doc._``/``Span._`` extension the components use (once)."""
    if not Doc.has_extension("doc_id"):
        Doc.set_extension("doc_id", default=None)
    if not Doc.has_extension("place_links"):
        Doc.set_extension("place_links", default=None)
    for name in NUMERIC_EXTENSIONS:
        if not Span.has_extension(name):
            Span.set_extension(name, default=None)
    for name in PLACE_EXTENSIONS:
        if not Span.has_extension(name):
            Span.set_extension(name, getter=_link_getter(name))


register_extensions()
