"""Type stub of the compiled core (``_core.pyx``)."""

import numpy as np

KINDS: dict[str, int]
SYMBOL_NUM: int
SYMBOL_LETTER: int
NOWORD: int
EMPTY_KEY: int

def feature_key(kind: int, a: int, b: int) -> int: ...
def build_table(keys: np.ndarray, values: np.ndarray, max_load: float = 0.7) -> np.ndarray: ...

class UserTrie:
    @property
    def n_edges(self) -> int: ...
    def insert(self, word: str) -> None: ...

class Core:
    user: UserTrie
    def __init__(
        self,
        features: np.ndarray,
        words: np.ndarray,
        dictionary: np.ndarray,
        codes: np.ndarray,
        values: np.ndarray,
        transitions: np.ndarray,
        begins: list[bool],
        classes: np.ndarray,
        start_row: int,
        empty_word: int,
        ww_noword: bool,
        postprocess: bool,
    ) -> None: ...
    def cut(self, text: str) -> list[str]: ...
    def spans(self, text: str) -> list[tuple[int, int]]: ...
    def words_and_spaces(self, text: str) -> tuple[list[str], list[bool]]: ...
