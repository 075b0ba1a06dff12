"""Baselines that need no training, for the cross-validation table: jieba.posseg mapped to our labels."""

from __future__ import annotations


def jieba_spans(text: str) -> list[tuple[int, int, str]]:
    """jieba.posseg baseline: ns → GPE, nt → ORG, numeral (m) + measure word (q) → QUANTITY/MONEY/PERCENT."""
    import jieba.posseg as pseg

    out, pos, words = [], 0, []
    for w in pseg.cut(text):
        words.append((pos, pos + len(w.word), w.word, w.flag))
        pos += len(w.word)
    i = 0
    while i < len(words):
        s, e, word, flag = words[i]
        if flag == "ns":
            out.append((s, e, "GPE"))
        elif flag == "nt":
            out.append((s, e, "ORG"))
        elif flag == "m" and any(c.isdigit() for c in word):
            end, label = e, "QUANTITY"
            if word.endswith(("%", "％")):
                label = "PERCENT"
            elif (i + 1 < len(words) and words[i + 1][3] in ("q", "m")) or (
                i + 1 < len(words) and words[i + 1][2] in ("元", "亿元", "万元", "美元", "%")
            ):
                end = words[i + 1][1]
                nxt = words[i + 1][2]
                label = "MONEY" if "元" in nxt else "PERCENT" if nxt in ("%", "％") else "QUANTITY"
                i += 1
            if "元" in word:
                label = "MONEY"
            out.append((s, end, label))
        i += 1
    return out
