# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The compiled hot loop of :mod:`pipeline.segmenter`: pkuseg's features, Viterbi and pre/post-processing.

Everything here mirrors spacy-pkuseg 1.x (``pkuseg.cut`` → ``Preprocesser.solve`` → ``_cut`` →
``Postprocesser``) step for step, on arrays of code points instead of Python strings:

* a feature is never a string but exact integers: a character's symbol (``chars``), a pair of symbols
  (``pairs``), a window word's node in a trie over symbols (``words``), or a key ``kind << 58 | a << 29 | b``
  of two word ids (``features``), looked up in open-addressing tables — an entry stands for exactly one
  feature string, so a lookup can never hit a wrong feature (see :mod:`pipeline.segmenter.compact`);
* the post-processing dictionary and the user dictionary are tries over code points;
* node scores are summed in spacy-pkuseg's feature order and the Viterbi recursion is the same expression
  with the same tie-breaking, so the floating-point results, and the tags, are the same.

A ``Core`` keeps work buffers and holds the GIL throughout a call: calls from several threads run one at a time.
"""

cimport cython
from cpython.unicode cimport Py_UNICODE_ISSPACE
from libc.stdint cimport int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memmove

import numpy as np

cdef extern from *:
    """
    #define PSEG_EMPTY 0xFFFFFFFFFFFFFFFFULL
    #define PSEG_LOW32 0xFFFFFFFFULL
    static inline uint64_t pseg_mix(uint64_t x) {
        x ^= x >> 33; x *= 0xff51afd7ed558ccdULL; x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ULL; x ^= x >> 33;
        return x;
    }
    """
    const uint64_t PSEG_EMPTY
    const uint64_t PSEG_LOW32
    uint64_t pseg_mix(uint64_t x) noexcept nogil

# feature kinds (the prefixes of spacy-pkuseg's feature strings)
cdef enum:
    K_C = 1        # "c."
    K_CM1 = 2      # "c-1."
    K_C1 = 3       # "c1."
    K_CM2 = 4      # "c-2."
    K_C2 = 5       # "c2."
    K_CM1C = 6     # "c-1c."
    K_CC1 = 7      # "cc1."
    K_CM2CM1 = 8   # "c-2c-1."
    K_WM1 = 9      # "w-1."
    K_W1 = 10      # "w1."
    K_WWL = 11     # "ww.l."
    K_WWR = 12     # "ww.r."

cdef enum:
    WORD_MIN = 2
    WORD_MAX = 6
    N_WIN = 5            # WORD_MAX - WORD_MIN + 1
    MAX_FEATURES = 72    # 1 + 8 + 2 * 5 + 2 * 25 = 69
    MAX_TAGS = 16
    SYM_AMP = 0x26       # "&": keyword_rename's replacement
    SYM_NUM = 0x110000   # "**Num"
    SYM_LETTER = 0x110001  # "**Letter"
    MERGE_MAX = 7        # Postprocesser merges 7 … 2 words
    NOWORD_ID = 0x1FFFFFFF  # "**noWord": the window is not a word (largest 29-bit id)

# kinds of characters (the ``char_classes`` table, BMP only; the rest are themselves)
cdef enum:
    CL_SELF = 0
    CL_KEYWORD = 1
    CL_NUM = 2
    CL_LETTER = 3

KINDS = {
    "c.": K_C, "c-1.": K_CM1, "c1.": K_C1, "c-2.": K_CM2, "c2.": K_C2,
    "c-1c.": K_CM1C, "cc1.": K_CC1, "c-2c-1.": K_CM2CM1,
    "w-1.": K_WM1, "w1.": K_W1, "ww.l.": K_WWL, "ww.r.": K_WWR,
}
SYMBOL_NUM = SYM_NUM
SYMBOL_LETTER = SYM_LETTER
NOWORD = NOWORD_ID
EMPTY_KEY = 0xFFFFFFFFFFFFFFFF


cdef inline uint64_t fkey(uint64_t kind, uint64_t a, uint64_t b) noexcept nogil:
    return (kind << 58) | (a << 29) | b


cdef inline int64_t lookup(const uint64_t* slots, uint64_t mask, uint64_t key) noexcept nogil:
    """The value stored under ``key`` or -1."""
    cdef uint64_t i = pseg_mix(key) & mask
    cdef uint64_t k
    while True:
        k = slots[2 * i]
        if k == key:
            return <int64_t>slots[2 * i + 1]
        if k == PSEG_EMPTY:
            return -1
        i = (i + 1) & mask


def feature_key(int kind, uint64_t a, uint64_t b):
    """The table key of a feature (see :mod:`pipeline.segmenter.compact`)."""
    return fkey(kind, a, b)


def build_table(const uint64_t[::1] keys, const uint64_t[::1] values, double max_load=0.7):
    """An open-addressing table (``uint64[capacity, 2]``: key, value) holding ``keys`` → ``values``.

    A key given twice must carry the same value (raises ``ValueError`` otherwise).
    """
    cdef Py_ssize_t n = keys.shape[0], j
    cdef uint64_t cap = 8
    while cap * max_load < n:
        cap *= 2
    table = np.full((cap, 2), EMPTY_KEY, dtype=np.uint64)
    cdef uint64_t[:, ::1] t = table
    cdef uint64_t mask = cap - 1, i, key
    for j in range(n):
        key = keys[j]
        if key == PSEG_EMPTY:
            raise ValueError("the all-ones key is reserved")
        i = pseg_mix(key) & mask
        while t[i, 0] != PSEG_EMPTY and t[i, 0] != key:
            i = (i + 1) & mask
        if t[i, 0] == key and t[i, 1] != values[j]:
            raise ValueError(f"key {key} given twice with different values")
        t[i, 0] = key
        t[i, 1] = values[j]
    return table


cdef struct Table:
    uint64_t* slots
    uint64_t mask
    uint64_t count


cdef int table_grow(Table* t) except -1:
    cdef uint64_t old_cap = t.mask + 1, cap = old_cap * 2, i, j, key
    cdef uint64_t* old = t.slots
    cdef uint64_t* new = <uint64_t*>malloc(cap * 2 * sizeof(uint64_t))
    if new == NULL:
        raise MemoryError()
    for i in range(cap):
        new[2 * i] = PSEG_EMPTY
    for i in range(old_cap):
        key = old[2 * i]
        if key != PSEG_EMPTY:
            j = pseg_mix(key) & (cap - 1)
            while new[2 * j] != PSEG_EMPTY:
                j = (j + 1) & (cap - 1)
            new[2 * j] = key
            new[2 * j + 1] = old[2 * i + 1]
    free(old)
    t.slots = new
    t.mask = cap - 1
    return 0


cdef inline int64_t find_slot(const uint64_t* slots, uint64_t mask, uint64_t key) noexcept nogil:
    """The slot holding ``key`` or -1."""
    cdef uint64_t i = pseg_mix(key) & mask
    cdef uint64_t k
    while True:
        k = slots[2 * i]
        if k == key:
            return <int64_t>i
        if k == PSEG_EMPTY:
            return -1
        i = (i + 1) & mask


@cython.final
cdef class UserTrie:
    """spacy-pkuseg's ``Preprocesser`` trie (the user dictionary) over code points, growable.

    An edge ``(parent << 21) | code point`` maps to ``child | is_word << 32``.
    """

    cdef Table t
    cdef uint64_t n_nodes

    def __cinit__(self):
        self.t.slots = <uint64_t*>malloc(16 * 2 * sizeof(uint64_t))
        if self.t.slots == NULL:
            raise MemoryError()
        for i in range(16):
            self.t.slots[2 * i] = PSEG_EMPTY
        self.t.mask = 15
        self.t.count = 0
        self.n_nodes = 1

    def __dealloc__(self):
        free(self.t.slots)

    @property
    def n_edges(self) -> int:
        return self.t.count

    def insert(self, str word) -> None:
        """``Preprocesser.insert(word, "")``: mark the end of the path of ``word`` as a word."""
        cdef uint64_t node = 0, key, i
        cdef int64_t slot = -1
        cdef Py_UCS4 c
        for c in word:
            key = (node << 21) | <uint64_t>c
            slot = find_slot(self.t.slots, self.t.mask, key)
            if slot < 0:
                if (self.t.count + 1) * 10 > (self.t.mask + 1) * 7:
                    table_grow(&self.t)
                i = pseg_mix(key) & self.t.mask
                while self.t.slots[2 * i] != PSEG_EMPTY:
                    i = (i + 1) & self.t.mask
                self.t.slots[2 * i] = key
                self.t.slots[2 * i + 1] = self.n_nodes
                self.t.count += 1
                slot = <int64_t>i
                self.n_nodes += 1
            node = self.t.slots[2 * slot + 1] & PSEG_LOW32
        # the empty word marks the root, which Preprocesser.solve never looks at
        if slot >= 0:
            self.t.slots[2 * slot + 1] |= (<uint64_t>1) << 32


cdef inline uint32_t window(const uint32_t* win, Py_ssize_t start, Py_ssize_t length, Py_ssize_t n,
                            uint32_t empty) noexcept nogil:
    """The word id of the window ``[start, start + length)`` (``get_slice_str``: out of range → "")."""
    if start < 0 or start + length > n:
        return empty
    return win[start * N_WIN + length - WORD_MIN]


cdef const uint64_t* table_ptr(object array, str name, uint64_t* mask) except NULL:
    cdef const uint64_t[:, ::1] t = array
    if t.shape[0] < 1 or t.shape[0] & (t.shape[0] - 1) or t.shape[1] != 2:
        raise ValueError(f"{name}: a table must be uint64[2**k, 2]")
    mask[0] = t.shape[0] - 1
    return &t[0, 0]


cdef const uint16_t* codes_ptr(object array, str name, Py_ssize_t kinds, Py_ssize_t T) except NULL:
    cdef const uint16_t[:, :, ::1] c = array
    if c.shape[0] < 1 or c.shape[1] != kinds or c.shape[2] != T:
        raise ValueError(f"{name}: must be uint16[n >= 1, {kinds}, {T}]")
    return &c[0, 0, 0]


cdef const uint8_t* mask_ptr(object array, str name, Py_ssize_t n) except NULL:
    cdef const uint8_t[::1] m = array
    if m.shape[0] != n:
        raise ValueError(f"{name}: must be uint8[{n}]")
    return &m[0]


@cython.final
cdef class Core:
    """The segmenter over a compact model's arrays (kept alive here; they may be memory-mapped).

    Per position the features' weight codes come from: ``chars`` (a symbol → the codes of its 5
    one-character kinds), ``pairs`` (two symbols → the 3 two-character kinds), ``word_codes`` (a window word's
    ``w-1.``/``w1.``, by trie node) and ``features`` (``ww.l.``/``ww.r.`` keys → ``ww_codes``); a symbol or a pair
    is looked up once per position, and the codes of one entry lie together (one cache line).
    """

    cdef object _keep
    cdef const uint64_t* chars
    cdef uint64_t chars_mask
    cdef const uint16_t* char_codes
    cdef const uint8_t* char_kinds
    cdef const uint64_t* pairs
    cdef uint64_t pairs_mask
    cdef const uint16_t* pair_codes
    cdef const uint8_t* pair_kinds
    cdef const uint64_t* words
    cdef uint64_t words_mask
    cdef const uint16_t* word_codes
    cdef const uint8_t* word_kinds
    cdef Py_ssize_t n_word_nodes
    cdef const uint64_t* feat
    cdef uint64_t feat_mask
    cdef const uint16_t* ww_codes
    cdef const uint16_t* start_codes
    cdef const uint64_t* dic
    cdef uint64_t dic_mask
    cdef const double* values
    cdef const uint8_t* classes
    cdef double trans[MAX_TAGS * MAX_TAGS]
    cdef uint8_t begins[MAX_TAGS]
    cdef int T
    cdef uint32_t empty_word
    cdef bint ww_noword
    cdef bint postprocess
    cdef readonly UserTrie user
    # work buffers, grown on demand
    cdef Py_ssize_t cap
    cdef uint32_t* cps
    cdef uint32_t* sym
    cdef uint32_t* win
    cdef int32_t* cid
    cdef int32_t* pid
    cdef int32_t* depth
    cdef uint32_t* flags
    cdef uint8_t* back
    cdef uint8_t* tags
    cdef int64_t* starts
    cdef int64_t* ends
    cdef Py_ssize_t nw
    cdef Py_ssize_t seg_end

    def __init__(self, dict arrays, dict meta):
        cdef const double[::1] v = arrays["values"]
        cdef const double[:, ::1] tr = arrays["transitions"]
        cdef const uint8_t[::1] cl = arrays["classes"]
        cdef int T = tr.shape[0], s, y
        begins = meta["begins"]
        if not (0 < T <= MAX_TAGS) or tr.shape[1] != T or len(begins) != T:
            raise ValueError("bad transition matrix or tag flags")
        if cl.shape[0] != 0x10000:
            raise ValueError("classes must cover the BMP (65,536 entries)")
        self.chars = table_ptr(arrays["chars"], "chars", &self.chars_mask)
        self.pairs = table_ptr(arrays["pairs"], "pairs", &self.pairs_mask)
        self.words = table_ptr(arrays["words"], "words", &self.words_mask)
        self.feat = table_ptr(arrays["features"], "features", &self.feat_mask)
        self.dic = table_ptr(arrays["dictionary"], "dictionary", &self.dic_mask)
        self.char_codes = codes_ptr(arrays["char_codes"], "char_codes", 5, T)
        self.char_kinds = mask_ptr(arrays["char_kinds"], "char_kinds", arrays["char_codes"].shape[0])
        self.pair_codes = codes_ptr(arrays["pair_codes"], "pair_codes", 3, T)
        self.pair_kinds = mask_ptr(arrays["pair_kinds"], "pair_kinds", arrays["pair_codes"].shape[0])
        self.word_codes = codes_ptr(arrays["word_codes"], "word_codes", 2, T)
        self.n_word_nodes = arrays["word_codes"].shape[0]
        self.word_kinds = mask_ptr(arrays["word_kinds"], "word_kinds", self.n_word_nodes)
        self.ww_codes = codes_ptr(arrays["ww_codes"], "ww_codes", 1, T)
        self.start_codes = codes_ptr(arrays["start_codes"], "start_codes", 1, T)
        if not meta["has_start"]:
            self.start_codes = NULL
        self._keep = dict(arrays)
        self.values = &v[0]
        self.classes = &cl[0]
        self.T = T
        for s in range(T):
            self.begins[s] = 1 if begins[s] else 0
            for y in range(T):
                self.trans[s * T + y] = tr[s, y]
        self.empty_word = <uint32_t>meta["empty_word"]
        if self.empty_word != NOWORD_ID and self.empty_word >= self.n_word_nodes:
            raise ValueError("word_codes must cover the empty word")
        self.ww_noword = meta["ww_noword"]
        self.postprocess = meta["postprocess"]
        self.user = UserTrie()

    def __cinit__(self):
        self.cap = 0
        self.cps = self.sym = self.win = self.flags = NULL
        self.cid = self.pid = self.depth = NULL
        self.back = self.tags = NULL
        self.starts = self.ends = NULL

    def __dealloc__(self):
        self._release()

    cdef void _release(self) noexcept:
        free(self.cps)
        free(self.sym)
        free(self.win)
        free(self.cid)
        free(self.pid)
        free(self.depth)
        free(self.flags)
        free(self.back)
        free(self.tags)
        free(self.starts)
        free(self.ends)
        self.cps = self.sym = self.win = self.flags = NULL
        self.cid = self.pid = self.depth = NULL
        self.back = self.tags = NULL
        self.starts = self.ends = NULL
        self.cap = 0

    cdef int _reserve(self, Py_ssize_t n) except -1:
        if n <= self.cap:
            return 0
        cdef Py_ssize_t cap = max(n, 2 * self.cap, 1024)
        self._release()
        self.cps = <uint32_t*>malloc(cap * sizeof(uint32_t))
        self.sym = <uint32_t*>malloc(cap * sizeof(uint32_t))
        self.win = <uint32_t*>malloc(cap * N_WIN * sizeof(uint32_t))
        self.cid = <int32_t*>malloc(cap * sizeof(int32_t))
        self.pid = <int32_t*>malloc(cap * sizeof(int32_t))
        self.depth = <int32_t*>malloc(cap * sizeof(int32_t))
        self.flags = <uint32_t*>malloc(cap * sizeof(uint32_t))
        self.back = <uint8_t*>malloc(cap * self.T * sizeof(uint8_t))
        self.tags = <uint8_t*>malloc(cap * sizeof(uint8_t))
        self.starts = <int64_t*>malloc(cap * sizeof(int64_t))
        self.ends = <int64_t*>malloc(cap * sizeof(int64_t))
        if (self.cps == NULL or self.sym == NULL or self.win == NULL or self.cid == NULL or self.pid == NULL
                or self.depth == NULL or self.flags == NULL or self.back == NULL or self.tags == NULL
                or self.starts == NULL or self.ends == NULL):
            self._release()
            raise MemoryError()
        self.cap = cap
        return 0

    cdef inline int _add(self, const uint16_t** rows, int count, const uint16_t* codes) noexcept nogil:
        if codes != NULL:
            rows[count] = codes
            return count + 1
        return count

    cdef inline const uint16_t* _char(self, const int32_t* cid, Py_ssize_t p, int kind) noexcept nogil:
        cdef int32_t j = cid[p]
        if j < 0 or not (self.char_kinds[j] >> kind) & 1:
            return NULL
        return self.char_codes + (<Py_ssize_t>j * 5 + kind) * self.T

    cdef inline const uint16_t* _pair(self, const int32_t* pid, Py_ssize_t p, int kind) noexcept nogil:
        cdef int32_t j = pid[p]
        if j < 0 or not (self.pair_kinds[j] >> kind) & 1:
            return NULL
        return self.pair_codes + (<Py_ssize_t>j * 3 + kind) * self.T

    cdef inline const uint16_t* _word(self, uint32_t word, int kind) noexcept nogil:
        if word == NOWORD_ID or not (self.word_kinds[word] >> kind) & 1:
            return NULL
        return self.word_codes + (<Py_ssize_t>word * 2 + kind) * self.T

    cdef inline const uint16_t* _ww(self, uint64_t kind, uint32_t a, uint32_t b) noexcept nogil:
        cdef int64_t r
        if not self.ww_noword and (a == NOWORD_ID or b == NOWORD_ID):
            return NULL  # the model has no **noWord features: nothing to find
        r = lookup(self.feat, self.feat_mask, fkey(kind, a, b))
        return NULL if r < 0 else self.ww_codes + r * self.T

    cdef void _node_scores(self, Py_ssize_t i, Py_ssize_t n, const int32_t* cid, const int32_t* pid,
                           const uint32_t* win, double* out) noexcept nogil:
        """The node scores of position ``i`` of a segment: spacy-pkuseg's features, summed in its order."""
        cdef const uint16_t* rows[MAX_FEATURES]
        cdef uint32_t pre_in[N_WIN]
        cdef uint32_t post_in[N_WIN]
        cdef uint32_t pre_ex[N_WIN]
        cdef uint32_t post_ex[N_WIN]
        cdef int c = 0, k, s, T = self.T, x, y
        cdef Py_ssize_t l
        cdef uint32_t e = self.empty_word, a
        cdef const uint16_t* codes
        cdef double acc[MAX_TAGS]
        c = self._add(rows, c, self.start_codes)  # "$$": feature 0, at every position
        c = self._add(rows, c, self._char(cid, i, 0))  # c.
        if i > 0:
            c = self._add(rows, c, self._char(cid, i - 1, 1))  # c-1.
            c = self._add(rows, c, self._pair(pid, i - 1, 0))  # c-1c.
        if i + 1 < n:
            c = self._add(rows, c, self._char(cid, i + 1, 2))  # c1.
            c = self._add(rows, c, self._pair(pid, i, 1))  # cc1.
        if i > 1:
            c = self._add(rows, c, self._char(cid, i - 2, 3))  # c-2.
            c = self._add(rows, c, self._pair(pid, i - 2, 2))  # c-2c-1.
        if i + 2 < n:
            c = self._add(rows, c, self._char(cid, i + 2, 4))  # c2.
        for x in range(N_WIN):  # lengths 6 … 2: the character ends a word (w-1.)
            l = WORD_MAX - x
            a = window(win, i - l + 1, l, n, e)
            pre_in[x] = a
            c = self._add(rows, c, self._word(a, 0))
        for x in range(N_WIN):  # the character starts a word (w1.)
            l = WORD_MAX - x
            a = window(win, i, l, n, e)
            post_in[x] = a
            c = self._add(rows, c, self._word(a, 1))
        for x in range(N_WIN):
            l = WORD_MAX - x
            pre_ex[x] = window(win, i - l, l, n, e)
            post_ex[x] = window(win, i + 1, l, n, e)
        for x in range(N_WIN):
            for y in range(N_WIN):
                c = self._add(rows, c, self._ww(K_WWL, pre_ex[x], post_in[y]))
        for x in range(N_WIN):
            for y in range(N_WIN):
                c = self._add(rows, c, self._ww(K_WWR, pre_in[x], post_ex[y]))
        # getLogYY's loop order: for each feature, for each tag (each tag's sum in feature order)
        for s in range(T):
            acc[s] = 0.0
        for k in range(c):
            codes = rows[k]
            for s in range(T):
                acc[s] += self.values[codes[s]]
        for s in range(T):
            out[s] = acc[s]

    cdef void _plain(self, Py_ssize_t a, Py_ssize_t b) noexcept:
        """``_cut`` + ``Postprocesser`` on ``[a, b)``: appends its words to ``starts``/``ends``."""
        cdef Py_ssize_t n = b - a, p, l, i, w0 = self.nw
        cdef const uint32_t* sym = self.sym + a
        cdef uint32_t* win = self.win
        cdef int32_t* cid = self.cid
        cdef int32_t* pid = self.pid
        cdef uint8_t* back = self.back
        cdef uint8_t* tags = self.tags
        cdef uint64_t nd
        cdef int64_t r
        cdef int T = self.T, y, yp, tag
        cdef double node[MAX_TAGS]
        cdef double nxt[MAX_TAGS]
        cdef double cur[MAX_TAGS]
        cdef double best, sc, ma
        for p in range(n):
            # the rows of the symbol, of the pair it starts, and the words among its windows of 2 … 6 symbols
            cid[p] = <int32_t>lookup(self.chars, self.chars_mask, sym[p])
            pid[p] = -1 if p + 1 == n else <int32_t>lookup(self.pairs, self.pairs_mask,
                                                           (<uint64_t>sym[p] << 29) | sym[p + 1])
            for l in range(N_WIN):
                win[p * N_WIN + l] = NOWORD_ID
            nd = 0
            for l in range(1, WORD_MAX + 1):
                if p + l > n:
                    break
                r = lookup(self.words, self.words_mask, (nd << 22) | sym[p + l - 1])
                if r < 0:
                    break
                nd = <uint64_t>r & PSEG_LOW32
                if l >= WORD_MIN and (r >> 32) & 1:
                    win[p * N_WIN + l - WORD_MIN] = <uint32_t>nd
        # Viterbi from the last position back (run_viterbi), node scores computed on the way
        self._node_scores(n - 1, n, cid, pid, win, nxt)
        for i in range(n - 2, -1, -1):
            self._node_scores(i, n, cid, pid, win, node)
            for y in range(T):
                best = 0.0
                tag = 0
                for yp in range(T):
                    sc = nxt[yp] + node[y] + self.trans[y * T + yp]
                    if yp == 0 or sc >= best:
                        best = sc
                        tag = yp
                cur[y] = best
                back[i * T + y] = <uint8_t>tag
            for y in range(T):
                nxt[y] = cur[y]
        ma = nxt[0]
        tag = 0
        for y in range(1, T):
            if ma < nxt[y]:
                ma = nxt[y]
                tag = y
        tags[0] = <uint8_t>tag
        for i in range(1, n):
            tag = back[(i - 1) * T + tag]
            tags[i] = <uint8_t>tag
        # words: a new one at every tag with "B" in its name
        for i in range(n):
            if i == 0 or self.begins[tags[i]]:
                self.starts[self.nw] = a + i
                self.ends[self.nw] = a + i + 1
                self.nw += 1
            else:
                self.ends[self.nw - 1] = a + i + 1
        if self.postprocess:
            for p in range(a, b):
                self.depth[p] = -1
            self.seg_end = b
            self._post(w0)

    cdef int _flags(self, int64_t a, int64_t b) noexcept nogil:
        """Post-processing dictionary flags of ``text[a:b]`` (1: common word, 2: other word, 0: none).

        The first query from ``a`` walks the trie as far as the text allows and keeps that depth and the
        flags of the first 16 lengths, so that the 6 passes of the post-processing rarely walk again.
        """
        cdef uint64_t nd = 0
        cdef int64_t r = -1, k, d
        cdef uint32_t mask = 0
        if self.depth[a] < 0:
            d = 0
            for k in range(a, self.seg_end):
                r = lookup(self.dic, self.dic_mask, (nd << 21) | self.cps[k])
                if r < 0:
                    break
                nd = <uint64_t>r & PSEG_LOW32
                d += 1
                if d <= 16:
                    mask |= <uint32_t>((r >> 32) & 3) << (2 * (d - 1))
            self.depth[a] = <int32_t>d
            self.flags[a] = mask
        if b - a > self.depth[a]:
            return 0
        if b - a <= 16:
            return (self.flags[a] >> (2 * (b - a - 1))) & 3
        nd = 0  # longer: walk again
        for k in range(a, b):
            r = lookup(self.dic, self.dic_mask, (nd << 21) | self.cps[k])
            if r < 0:
                return 0
            nd = <uint64_t>r & PSEG_LOW32
        return <int>((r >> 32) & 3)

    cdef void _post(self, Py_ssize_t w0) noexcept:
        """``Postprocesser.post_process(sent, check_seperated=True)`` on the words from ``w0`` on."""
        cdef int64_t* st = self.starts + w0
        cdef int64_t* en = self.ends + w0
        cdef Py_ssize_t cnt = self.nw - w0, m, end, i, k
        cdef int f
        cdef bint do_seg, separated
        for m in range(MERGE_MAX, 1, -1):
            end = cnt - m
            if end < 0:
                continue
            i = 0
            while i < end + 1:
                f = self._flags(st[i], en[i + m - 1])
                if f & 1:
                    do_seg = True
                elif f & 2:
                    separated = True
                    for k in range(i, i + m):
                        if self._flags(st[k], en[k]) == 0:
                            separated = False
                            break
                    do_seg = not separated
                else:
                    do_seg = False
                if do_seg:
                    en[i] = en[i + m - 1]
                    memmove(st + i + 1, st + i + m, (cnt - i - m) * sizeof(int64_t))
                    memmove(en + i + 1, en + i + m, (cnt - i - m) * sizeof(int64_t))
                    cnt -= m - 1
                    end = cnt - m
                i += 1
        self.nw = w0 + cnt

    cdef void _piece(self, Py_ssize_t a, Py_ssize_t b) noexcept:
        """``Preprocesser.solve`` on a whitespace-free piece: user words whole, the rest through ``_plain``."""
        cdef Py_ssize_t i = a, j, last = a, lw
        cdef uint64_t nd
        cdef int64_t r
        cdef bint found
        cdef const uint64_t* slots = self.user.t.slots
        cdef uint64_t mask = self.user.t.mask
        if self.user.t.count == 0:
            self._plain(a, b)
            return
        while i < b:
            nd = 0
            j = i
            found = False
            lw = -1
            while True:
                r = lookup(slots, mask, (nd << 21) | self.cps[j])
                if r < 0:
                    found = lw != -1  # the word ends where the walk failed, as in spacy-pkuseg
                    break
                nd = <uint64_t>r & PSEG_LOW32
                if (r >> 32) & 1:
                    lw = j
                j += 1
                if j == b:
                    if lw != -1:
                        j = lw + 1
                        found = True
                    break
            if found:
                if last != i:
                    self._plain(last, i)
                self.starts[self.nw] = i
                self.ends[self.nw] = j
                self.nw += 1
                last = j
                i = j
            else:
                i += 1
        if last < b:
            self._plain(last, b)

    cdef Py_ssize_t _run(self, str text) except -1:
        """Segment ``text``: the words' offsets into ``starts``/``ends``; returns how many."""
        cdef Py_ssize_t n = len(text), k = 0, i, a
        cdef Py_UCS4 ch
        cdef uint32_t c
        cdef uint8_t cl
        self._reserve(n)
        for ch in text:
            self.cps[k] = ch
            k += 1
        for k in range(n):
            c = self.cps[k]
            cl = self.classes[c] if c < 0x10000 else CL_SELF
            if cl == CL_SELF:
                self.sym[k] = c
            elif cl == CL_KEYWORD:
                self.sym[k] = SYM_AMP
            elif cl == CL_NUM:
                self.sym[k] = SYM_NUM
            else:
                self.sym[k] = SYM_LETTER
        self.nw = 0
        i = 0
        while i < n:
            while i < n and Py_UNICODE_ISSPACE(self.cps[i]):
                i += 1
            if i >= n:
                break
            a = i
            while i < n and not Py_UNICODE_ISSPACE(self.cps[i]):
                i += 1
            self._piece(a, i)
        return self.nw

    def reset_user_words(self) -> None:
        """An empty user dictionary (``Preprocesser(None)``)."""
        self.user = UserTrie()

    cdef void _shrink(self) noexcept:
        if self.cap > (1 << 20):  # do not keep the buffers of a huge text
            self._release()

    def cut(self, str text) -> list:
        """``pkuseg.cut(text)``: the words (whitespace dropped)."""
        cdef Py_ssize_t nw = self._run(text), k
        out = [text[self.starts[k]:self.ends[k]] for k in range(nw)]
        self._shrink()
        return out

    def spans(self, str text) -> list:
        """The words' ``(start, end)`` character offsets in ``text``."""
        cdef Py_ssize_t nw = self._run(text), k
        out = [(self.starts[k], self.ends[k]) for k in range(nw)]
        self._shrink()
        return out

    def words_and_spaces(self, str text) -> tuple:
        """``spacy.util.get_words_and_spaces(pkuseg.cut(text), text)``, from the offsets."""
        cdef Py_ssize_t nw = self._run(text), k, n = len(text)
        cdef int64_t pos = 0, s, e
        cdef bint space
        words = []
        spaces = []
        for k in range(nw):
            s = self.starts[k]
            e = self.ends[k]
            if s > pos:
                words.append(text[pos:s])
                spaces.append(False)
            words.append(text[s:e])
            pos = e
            space = pos < n and self.cps[pos] == 0x20
            spaces.append(space)
            if space:
                pos += 1
        if pos < n:
            words.append(text[pos:])
            spaces.append(False)
        self._shrink()
        return words, spaces
