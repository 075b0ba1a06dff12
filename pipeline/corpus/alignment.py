"""Keeping entities whose boundaries fall inside a token: split such tokens at the boundaries."""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from spacy.attrs import IDX, LENGTH
from spacy.tokens import Doc, Token


def split_tokens_at(doc: Doc, offsets: Iterable[int]) -> int:
    """Split every token that has one of the character ``offsets`` strictly inside it.

    Returns how many tokens were split. Span groups in ``doc.spans`` keep their character offsets.
    Afterwards every offset is a token boundary, so
    ``doc.char_span(start, end)`` succeeds for spans whose ends are in ``offsets`` (unless they sit
    inside whitespace).
    """
    cuts = sorted(set(offsets))
    if not cuts:
        return 0
    plans: list[tuple[int, list[str]]] = []
    text = doc.text
    for i, (start, end) in enumerate(token_offsets(doc)):
        lo = bisect.bisect_right(cuts, start)
        hi = bisect.bisect_left(cuts, end)
        if lo >= hi:
            continue
        pieces, prev = [], start
        for c in [*cuts[lo:hi], end]:
            pieces.append(text[prev:c])
            prev = c
        plans.append((i, pieces))
    if not plans:
        return 0
    # span groups (doc.spans) hold token indices that the retokenizer does not update: keep their characters
    groups = {
        key: [(sp.start_char, sp.end_char, sp.label_, sp.kb_id_) for sp in group]
        for key, group in doc.spans.items()
    }
    with doc.retokenize() as retok:
        for i, pieces in plans:
            tok = doc[i]
            heads: list[Token | tuple[Token, int]] = [(tok, j) for j in range(len(pieces))]
            retok.split(tok, pieces, heads=heads)
    for key, spans in groups.items():
        rebuilt = [doc.char_span(a, b, label=lab, kb_id=kb) for a, b, lab, kb in spans]
        doc.spans[key] = [sp for sp in rebuilt if sp is not None]
    return len(plans)


def token_offsets(doc: Doc) -> list[tuple[int, int]]:
    """(start, end) character offsets of every token, read from the Doc's arrays (no Token objects)."""
    arr = doc.to_array([IDX, LENGTH])
    starts = arr[:, 0].tolist()
    return list(zip(starts, (arr[:, 0] + arr[:, 1]).tolist(), strict=True))
