"""The compact form of a pkuseg model: a few numpy arrays, built once from ``features.msgpack`` + ``weights.npz``.

spacy-pkuseg holds the model as Python sets and a dict of 2.6 M feature strings (~1 GB, ~7 s to load).  Here
every feature string that spacy-pkuseg can build is parsed into an exact triple ``(kind, a, b)``: ``kind`` is
the string's prefix (``c.``, ``c-1c.``, ``w1.``, ``ww.l.`` …, see ``_core.KINDS``), ``a``/``b`` are *symbols* (a
character's code point, or ``SYMBOL_NUM``/``SYMBOL_LETTER`` for ``**Num``/``**Letter``) or *word ids* (the node
of a unigram word in the window-word trie, ``0`` for the empty word, ``NOWORD`` for ``**noWord``).  The triple
is one-to-one with the string, so a lookup cannot return a wrong feature; a feature string that no text can
produce (a character that normalisation always replaces, a word that is not a window of 2 … 6 symbols) is left
out.  Tables are open-addressing ``uint64[2**k, 2]`` arrays (key, value; all-ones = empty).

Arrays (``<name>.npy`` in a directory, with ``meta.json``); "codes" are uint16 indexes into ``values``, the
model's distinct weights bit for bit (21,669 in pkuseg's default model), ``n_tag`` per feature; "kinds" masks
say which kinds of an entry the model has:

* ``chars``      table: symbol → index into ``char_codes`` [n, 5, n_tag] (kinds ``c.`` ``c-1.`` ``c1.`` ``c-2.`` ``c2.``)
* ``pairs``      table: ``a << 29 | b`` → index into ``pair_codes`` [n, 3, n_tag] (``c-1c.`` ``cc1.`` ``c-2c-1.``)
* ``words``      trie of the unigram words over symbols: ``parent << 22 | symbol`` → ``child | is_word << 32``;
  ``word_codes`` [nodes, 2, n_tag]: ``w-1.`` and ``w1.`` of each node's word (node 0: the empty word)
* ``features``   table: ``kind << 58 | a << 29 | b`` → index into ``ww_codes`` [n, 1, n_tag] (``ww.l.``/``ww.r.``)
* ``start_codes`` [1, 1, n_tag]: feature 0, which spacy-pkuseg adds at every position
* ``values``     float64[v]; ``transitions`` float64[n_tag, n_tag]: ``1 + w`` of the tag-to-tag weights, as
  spacy-pkuseg's ``getLogYY``
* ``dictionary`` trie of the post-processing dictionary over code points: ``parent << 21 | code point`` →
  ``child | flags << 32`` (1 common word, 2 other word); spaCy's ``pkuseg_user_dict="default"`` gives
  spacy-pkuseg's ``dicts/default.pkl`` as "other" words
* ``classes``    uint8[65536]: per BMP character 0 itself, 1 keyword (→ ``&``), 2 ``**Num``, 3 ``**Letter``
"""

from __future__ import annotations

import io
import json
import os
import pickle
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import srsly

from pipeline.segmenter import _core

FORMAT = "pipeline-pkuseg-compact"
VERSION = 3
ARRAYS = (
    "chars",
    "char_codes",
    "char_kinds",
    "pairs",
    "pair_codes",
    "pair_kinds",
    "words",
    "word_codes",
    "word_kinds",
    "features",
    "ww_codes",
    "start_codes",
    "values",
    "transitions",
    "dictionary",
    "classes",
)

# spacy-pkuseg's FeatureExtractor and config (checked against the installed package by the tests)
KEYWORDS = "-._,|/*:"
NUM_CHARS = "0123456789.几二三四五六七八九十千万亿兆零１２３４５６７８９０％"
LETTER_CHARS = "ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｇｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ／・－"
NUM_TOKEN = "**Num"
LETTER_TOKEN = "**Letter"
NOWORD_TOKEN = "**noWord"
WORD_MIN, WORD_MAX = 2, 6

_SINGLE = {"c": _core.KINDS["c."], "c-1": _core.KINDS["c-1."], "c1": _core.KINDS["c1."]}
_SINGLE |= {"c-2": _core.KINDS["c-2."], "c2": _core.KINDS["c2."]}
_PAIR = {"c-1c": _core.KINDS["c-1c."], "cc1": _core.KINDS["cc1."], "c-2c-1": _core.KINDS["c-2c-1."]}
_WORD = {"w-1": _core.KINDS["w-1."], "w1": _core.KINDS["w1."]}
_WW = {"l": _core.KINDS["ww.l."], "r": _core.KINDS["ww.r."]}
_MAX_ID = _core.NOWORD  # word ids and symbols must stay below it (29 bits)


class CompactModelError(ValueError):
    """A compact model is missing, of another format, or cannot be built."""


def parse_nodes(text: str) -> list[int] | None:
    """The symbols whose join is ``text`` (a node is a character or ``**Num``/``**Letter``), or None.

    None when no normalised text can join to ``text``: it holds a character that normalisation replaces.
    """
    out: list[int] = []
    i = 0
    while i < len(text):
        if text.startswith(NUM_TOKEN, i):
            out.append(_core.SYMBOL_NUM)
            i += len(NUM_TOKEN)
        elif text.startswith(LETTER_TOKEN, i):
            out.append(_core.SYMBOL_LETTER)
            i += len(LETTER_TOKEN)
        else:
            ch = text[i]
            if ch in KEYWORDS or ch in NUM_CHARS or ch in LETTER_CHARS:
                return None
            out.append(ord(ch))
            i += 1
    return out


def _one_node(text: str) -> int | None:
    nodes = parse_nodes(text)
    return nodes[0] if nodes is not None and len(nodes) == 1 else None


def feature_parses(feature: str, word_ids: dict[str, int]) -> list[tuple[int, int, int]]:
    """Every ``(kind, a, b)`` from which a text produces ``feature`` (none when no text can).

    ``word_ids``: window words → id, with ``""`` → 0 when the empty string is a unigram (spacy-pkuseg's
    out-of-range windows are ``""``) and ``**noWord`` → ``NOWORD``.
    """
    head, _, rest = feature.partition(".")
    if head in _SINGLE:
        sym = _one_node(rest)
        return [] if sym is None else [(_SINGLE[head], sym, 0)]
    if head in _PAIR:
        parts = rest.split(".")
        if len(parts) != 2:
            return []
        a, b = _one_node(parts[0]), _one_node(parts[1])
        return [] if a is None or b is None else [(_PAIR[head], a, b)]
    if head in _WORD:
        wid = word_ids.get(rest)
        return [] if wid is None or wid == _core.NOWORD else [(_WORD[head], wid, 0)]
    if head == "ww":
        side, _, rest = rest.partition(".")
        if side not in _WW:
            return []
        parses = []
        for k, ch in enumerate(rest):  # every split "P*Q" with P and Q window words (or **noWord)
            if ch == "*":
                p, q = word_ids.get(rest[:k]), word_ids.get(rest[k + 1 :])
                if p is not None and q is not None:
                    parses.append((_WW[side], p, q))
        return parses
    return []


def _trie_table(edges: dict[tuple[int, int], int], flags: dict[int, int], shift: int) -> np.ndarray:
    keys = np.fromiter(((parent << shift) | sym for parent, sym in edges), dtype=np.uint64, count=len(edges))
    vals = np.fromiter(
        (child | (flags.get(child, 0) << 32) for child in edges.values()), dtype=np.uint64, count=len(edges)
    )
    return _core.build_table(keys, vals)


def _word_trie(unigram: Iterable[str]) -> tuple[np.ndarray, dict[str, int], int]:
    """The trie of the words that can be a window (2 … 6 symbols), their ids and the number of nodes."""
    edges: dict[tuple[int, int], int] = {}
    ids: dict[str, int] = {}
    for word in unigram:
        nodes = parse_nodes(word)
        if nodes is None or not WORD_MIN <= len(nodes) <= WORD_MAX:
            continue
        node = 0
        for sym in nodes:
            node = edges.setdefault((node, sym), len(edges) + 1)
        ids[word] = node
    if len(edges) + 1 >= _MAX_ID:
        raise CompactModelError("too many unigram words for 29-bit word ids")
    return _trie_table(edges, {node: 1 for node in ids.values()}, 22), ids, len(edges) + 1


def dictionary_table(common: Iterable[str], other: Iterable[str]) -> np.ndarray:
    """The post-processing dictionary as a trie over code points (flags 1: common, 2: other)."""
    edges: dict[tuple[int, int], int] = {}
    flags: dict[int, int] = {}
    for flag, words in ((1, common), (2, other)):
        for word in words:
            if not word:
                continue
            node = 0
            for ch in word:
                node = edges.setdefault((node, ord(ch)), len(edges) + 1)
            flags[node] = flags.get(node, 0) | flag
    return _trie_table(edges, flags, 21)


def char_classes() -> np.ndarray:
    """Per BMP character: what ``keyword_rename`` + ``_num_letter_normalize_char`` make of it."""
    classes = np.zeros(0x10000, dtype=np.uint8)
    for chars, cls in ((LETTER_CHARS, 3), (NUM_CHARS, 2), (KEYWORDS, 1)):  # later ones take precedence
        for ch in chars:
            classes[ord(ch)] = cls
    return classes


class _NoClassUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):  # type: ignore[override]
        raise CompactModelError(f"the dictionary pickle references {module}.{name}: refusing to unpickle it")


def default_dictionary() -> list[str]:
    """spacy-pkuseg's ``dicts/default.pkl``: the "other" words of its post-processing (a pickled string)."""
    import spacy_pkuseg

    path = Path(spacy_pkuseg.__file__).parent / "dicts" / "default.pkl"
    data = _NoClassUnpickler(io.BytesIO(path.read_bytes())).load()
    if not isinstance(data, str):
        raise CompactModelError(f"{path}: expected a pickled string")
    return sorted(set(data.strip().split("\n")))


@dataclass
class CompactModel:
    """The arrays and the ``meta`` of a compact pkuseg model."""

    arrays: dict[str, np.ndarray]
    meta: dict[str, Any] = field(default_factory=dict)

    def core(self) -> _core.Core:
        return _core.Core(self.arrays, self.meta)

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.arrays.values())

    def save(self, path: str | Path) -> Path:
        """Write ``<name>.npy`` + ``meta.json`` into ``path`` (each file replaced atomically: a model mapped
        from the same directory keeps its old files)."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        for name in ARRAYS:
            _atomic_write(path / f"{name}.npy", lambda fh, arr=self.arrays[name]: np.save(fh, arr))
        text = json.dumps(self.meta, ensure_ascii=False, indent=1) + "\n"
        _atomic_write(path / "meta.json", lambda fh: fh.write(text.encode("utf-8")))
        return path

    @classmethod
    def load(cls, path: str | Path, mmap: bool = True) -> CompactModel:
        """Read a saved model; the arrays are memory-mapped read-only unless ``mmap=False``."""
        path = Path(path)
        meta = read_meta(path)
        arrays = {
            name: np.load(path / f"{name}.npy", mmap_mode="r" if mmap else None, allow_pickle=False)
            for name in ARRAYS
        }
        return cls(arrays, meta)

    def to_bytes(self) -> bytes:
        blobs = {}
        for name in ARRAYS:
            buf = io.BytesIO()
            np.save(buf, self.arrays[name])
            blobs[name] = buf.getvalue()
        return srsly.msgpack_dumps({"meta": self.meta, "arrays": blobs})

    @classmethod
    def from_bytes(cls, data: bytes) -> CompactModel:
        msg = srsly.msgpack_loads(data)
        _check_meta(msg["meta"], "bytes")
        arrays = {name: np.load(io.BytesIO(msg["arrays"][name]), allow_pickle=False) for name in ARRAYS}
        return cls(arrays, msg["meta"])


def _atomic_write(dest: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.chmod(tmp, 0o644)  # mkstemp's files are private
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _check_meta(meta: dict, where: object) -> None:
    if meta.get("format") != FORMAT or meta.get("version") != VERSION:
        raise CompactModelError(f"{where}: not a {FORMAT} v{VERSION} model")


def read_meta(path: Path) -> dict[str, Any]:
    meta_path = Path(path) / "meta.json"
    if not meta_path.is_file():
        raise CompactModelError(f"{path}: no meta.json")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    _check_meta(meta, path)
    return meta


def is_compact(path: str | Path) -> bool:
    try:
        read_meta(Path(path))
    except (CompactModelError, ValueError):
        return False
    return True


def source_stamp(model_dir: Path) -> dict[str, Any]:
    """What a compact model was built from: the two model files' sizes and modification times."""
    stamp: dict[str, Any] = {}
    for name in ("features.msgpack", "weights.npz"):
        st = (model_dir / name).stat()
        stamp[name] = {"bytes": st.st_size, "mtime_ns": st.st_mtime_ns}
    return stamp


def build(
    model_dir: str | Path,
    other_words: Iterable[str] | None = None,
    common_words: Iterable[str] = (),
    postprocess: bool = True,
) -> CompactModel:
    """Build the compact model from a pkuseg model directory (``features.msgpack`` + ``weights.npz``).

    ``other_words``/``common_words``: spacy-pkuseg's ``Postprocesser`` sets (default: ``dicts/default.pkl``
    as other words, no common words — what spaCy's ``pkuseg_user_dict="default"`` gives).
    """
    model_dir = Path(model_dir)
    if not (model_dir / "features.msgpack").is_file() or not (model_dir / "weights.npz").is_file():
        raise CompactModelError(f"{model_dir}: no features.msgpack + weights.npz")
    data = srsly.read_msgpack(model_dir / "features.msgpack")
    with np.load(model_dir / "weights.npz", allow_pickle=False) as npz:
        sizes, w = npz["sizes"], np.asarray(npz["w"], dtype=np.float64)
    n_tag, n_feature = int(sizes[0]), int(sizes[1])
    feature_to_idx: dict[str, int] = data["feature_to_idx"]
    if w.shape != (n_tag * (n_feature + n_tag),) or len(feature_to_idx) != n_feature:
        raise CompactModelError(f"{model_dir}: weights and features do not match")
    idx_to_tag = {idx: tag for tag, idx in data["tag_to_idx"].items()}
    if sorted(idx_to_tag) != list(range(n_tag)):
        raise CompactModelError(f"{model_dir}: tag indices are not 0 … {n_tag - 1}")

    unigram = data["unigram"]
    words, word_ids, n_nodes = _word_trie(unigram)
    has_empty = "" in set(unigram)
    lookup_ids = dict(word_ids)
    if has_empty:
        lookup_ids[""] = 0
    lookup_ids[NOWORD_TOKEN] = _core.NOWORD
    del data

    # every feature's parses, routed to its table (feature indices first, codes below)
    slot = {kind: i for i, kind in enumerate(_SINGLE.values())} | {
        kind: i for i, kind in enumerate(_PAIR.values())
    }
    slot |= {kind: i for i, kind in enumerate(_WORD.values())}
    chars: dict[int, list[int]] = {}
    pairs: dict[int, list[int]] = {}
    word_feats: dict[int, list[int]] = {}
    ww_keys: list[int] = []
    ww_feats: list[int] = []
    ww_noword = False
    for feature, idx in feature_to_idx.items():
        for kind, a, b in feature_parses(feature, lookup_ids):
            if kind in _SINGLE.values():
                chars.setdefault(a, [-1] * 5)[slot[kind]] = idx
            elif kind in _PAIR.values():
                pairs.setdefault(a << 29 | b, [-1] * 3)[slot[kind]] = idx
            elif kind in _WORD.values():
                word_feats.setdefault(a, [-1, -1])[slot[kind]] = idx
            else:
                ww_keys.append(_core.feature_key(kind, a, b))
                ww_feats.append(idx)
                ww_noword = ww_noword or _core.NOWORD in (a, b)
    del feature_to_idx

    # the distinct weights, bit for bit, and every feature's codes into them
    node_w = w[: n_feature * n_tag].reshape(n_feature, n_tag)
    bits, inverse = np.unique(node_w.view(np.uint64).ravel(), return_inverse=True)
    if len(bits) > 1 << 16:
        raise CompactModelError(f"{model_dir}: {len(bits):,} distinct weights, more than uint16 codes hold")
    codes = inverse.reshape(n_feature, n_tag).astype(np.uint16)
    values = bits.view(np.float64)

    def gather(idx: list[list[int]] | np.ndarray, kinds: int) -> tuple[np.ndarray, np.ndarray]:
        """The codes ``[n, kinds, n_tag]`` of feature indices ``[n, kinds]`` (-1: none) and a bit mask of kinds."""
        arr = np.asarray(idx, dtype=np.int64).reshape(-1, kinds)
        if not len(arr):
            arr = np.full((1, kinds), -1, dtype=np.int64)
        present = arr >= 0
        mask = (present * (1 << np.arange(kinds))).sum(axis=1).astype(np.uint8)
        return np.ascontiguousarray(codes[np.where(present, arr, 0)]), mask

    char_codes, char_kinds = gather(list(chars.values()), 5)
    pair_codes, pair_kinds = gather(list(pairs.values()), 3)
    word_idx = np.full((n_nodes, 2), -1, dtype=np.int64)
    for node, idxs in word_feats.items():
        word_idx[node] = idxs
    word_codes, word_kinds = gather(word_idx, 2)
    ww_codes, _ = gather(np.asarray(ww_feats, dtype=np.int64).reshape(-1, 1), 1)
    reachable = {i for v in (*chars.values(), *pairs.values(), *word_feats.values()) for i in v if i >= 0}
    reachable.update(ww_feats)

    def dense(keys: Iterable[int]) -> np.ndarray:
        key_arr = np.fromiter(keys, dtype=np.uint64)
        return _core.build_table(key_arr, np.arange(len(key_arr), dtype=np.uint64))

    backoff = n_feature * n_tag
    transitions = np.ones((n_tag, n_tag), dtype=np.float64)  # getLogYY: edge_score[s_pre, s] += w[...] * 1.0
    for s in range(n_tag):
        for s_pre in range(n_tag):
            transitions[s_pre, s] += w[backoff + s * n_tag + s_pre] * 1.0

    other = default_dictionary() if other_words is None else sorted(set(other_words))
    common = sorted(set(common_words))
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "tags": [idx_to_tag[i] for i in range(n_tag)],
        "begins": ["B" in idx_to_tag[i] for i in range(n_tag)],
        "has_start": n_feature > 0,
        "empty_word": 0 if has_empty else _core.NOWORD,
        "ww_noword": ww_noword,
        "postprocess": bool(postprocess and (other or common)),
        "counts": {
            "model_features": n_feature,
            "features_reachable": len(reachable),
            "char_symbols": len(chars),
            "char_pairs": len(pairs),
            "window_words": len(word_ids),
            "ww_keys": len(ww_keys),
            "distinct_weights": len(values),
            "dictionary_common": len(common),
            "dictionary_other": len(other),
        },
        "source": source_stamp(model_dir),
    }
    arrays = {
        "chars": dense(chars),
        "char_codes": char_codes,
        "char_kinds": char_kinds,
        "pairs": dense(pairs),
        "pair_codes": pair_codes,
        "pair_kinds": pair_kinds,
        "words": words,
        "word_codes": word_codes,
        "word_kinds": word_kinds,
        "features": dense(ww_keys),
        "ww_codes": ww_codes,
        "start_codes": np.ascontiguousarray(codes[:1].reshape(1, 1, n_tag)),
        "values": values,
        "transitions": transitions,
        "dictionary": dictionary_table(common, other),
        "classes": char_classes(),
    }
    return CompactModel(arrays, meta)


def compact_dir(model_dir: str | Path) -> Path:
    """Where :func:`ensure_compact` keeps the compact form of a pkuseg model directory."""
    return Path(model_dir) / "compact"


def ensure_compact(model_dir: str | Path) -> Path:
    """The compact form of a pkuseg model directory, built (once, ~1 min) into ``<model_dir>/compact``.

    ``model_dir`` may be a compact model itself.  A compact copy whose source stamp differs is rebuilt.
    """
    model_dir = Path(model_dir)
    if is_compact(model_dir):
        return model_dir
    dest = compact_dir(model_dir)
    if is_compact(dest) and read_meta(dest).get("source") == source_stamp(model_dir):
        return dest
    build(model_dir).save(dest)
    return dest


def open_compact(model_dir: str | Path, mmap: bool = True) -> CompactModel:
    """The compact model of a pkuseg (or compact) model directory: memory-mapped from ``<model_dir>/compact``,
    built there first if needed, or built in memory when that directory cannot be written."""
    try:
        path = ensure_compact(model_dir)
    except PermissionError:
        return build(model_dir)
    return CompactModel.load(path, mmap=mmap)
