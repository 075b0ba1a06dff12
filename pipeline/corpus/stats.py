"""Corpus statistics: documents, characters, entities per label, entities misaligned with pkuseg tokens."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from pipeline.corpus.gold import GoldDoc


@dataclass
class CorpusStats:
    documents: int = 0
    characters: int = 0
    entities: Counter = field(default_factory=Counter)
    source_entities: Counter = field(default_factory=Counter)
    partial_documents: int = 0
    misaligned: Counter | None = None

    def as_dict(self) -> dict:
        out = {
            "documents": self.documents,
            "characters": self.characters,
            "entities": dict(sorted(self.entities.items())),
            "entities_total": sum(self.entities.values()),
            "partial_documents": self.partial_documents,
        }
        if self.source_entities:
            out["source_entities"] = dict(sorted(self.source_entities.items()))
        if self.misaligned is not None:
            out["misaligned"] = dict(sorted(self.misaligned.items()))
        return out


def corpus_stats(docs: Sequence[GoldDoc], nlp=None) -> CorpusStats:
    """Count ``docs``; with ``nlp``, also count entities whose boundaries fall inside its tokens."""
    st = CorpusStats()
    if nlp is not None:
        st.misaligned = Counter()
    for d in docs:
        st.documents += 1
        st.characters += len(d.text)
        st.entities.update(lab for _, _, lab in d.spans)
        st.source_entities.update(d.meta.get("source_counts") or {})
        st.partial_documents += d.is_partial
        if nlp is not None and st.misaligned is not None:
            doc = nlp.make_doc(d.text)
            st.misaligned.update(lab for s, e, lab in d.spans if doc.char_span(s, e) is None)
    return st
