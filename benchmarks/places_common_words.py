"""Regenerate ``exclusions_common_words`` in ``configs/gazetteer.json``: county-level short names that are
everyday words (资源县 → 资源, 合作市 → 合作, 比如县 → 比如).

Source: jieba 0.42.1's dictionary (MIT; a dev dependency), which tags each word with its usual part of speech.
A county-level short name is excluded when jieba tags it as a common word (noun, verb, adjective, …) rather than
a place (ns), a person name (nr*) or another proper noun (nz).  The full name with its suffix still matches.

Usage: ``.venv/bin/python benchmarks/places_common_words.py``
"""

from __future__ import annotations

import json
from pathlib import Path

import jieba

from pipeline import gazetteer

PROPER_TAGS = ("ns", "nr", "nz", "nt")


def jieba_tags() -> dict[str, str]:
    path = Path(jieba.__file__).parent / "dict.txt"
    tags = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 3:
            tags[parts[0]] = parts[2]
    return tags


def common_word_short_names() -> list[str]:
    tags = jieba_tags()
    out = set()
    for place in gazetteer.divisions():
        short = gazetteer.short_name(place.name)
        if place.level == "county" and short and short in tags and not tags[short].startswith(PROPER_TAGS):
            out.add(short)
    return sorted(out)


def main() -> None:
    path = gazetteer.GAZETTEER_CONFIG
    data = json.loads(path.read_text(encoding="utf-8"))
    data["exclusions_common_words"] = common_word_short_names()
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(data['exclusions_common_words'])} names written to {path}")


if __name__ == "__main__":
    main()
