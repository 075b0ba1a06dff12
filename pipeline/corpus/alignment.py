"""Keeping entities whose boundaries fall inside a token: split such tokens at the boundaries."""

from __future__ import annotations

from collections.abc import Iterable

from spacy.tokens import Doc


def split_tokens_at(doc: Doc, offsets: Iterable[int]) -> int:
    """Split every token that has one of the character ``offsets`` strictly inside it.

    Returns how many tokens were split.  Afterwards every offset is a token boundary, so
    ``doc.char_span(start, end)`` succeeds for spans whose ends are in ``offsets`` (unless they sit
    inside whitespace).
    """
    cuts = sorted(set(offsets))
    if not cuts:
        return 0
    plans: list[tuple[int, list[str]]] = []
    import bisect

    for tok in doc:
        start, end = tok.idx, tok.idx + len(tok.text)
        lo = bisect.bisect_right(cuts, start)
        hi = bisect.bisect_left(cuts, end)
        inner = cuts[lo:hi]
        if not inner:
            continue
        pieces, prev = [], start
        for c in [*inner, end]:
            pieces.append(doc.text[prev:c])
            prev = c
        plans.append((tok.i, pieces))
    if not plans:
        return 0
    with doc.retokenize() as retok:
        for i, pieces in plans:
            tok = doc[i]
            heads = [(tok, j) for j in range(len(pieces))]
            retok.split(tok, pieces, heads=heads)
    return len(plans)
