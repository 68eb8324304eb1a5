"""An LRU cache of class probabilities keyed by normalised text (spam waves repeat posts)."""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np


class ProbaCache:
    """Thread-safe LRU map from normalised post to its probability row."""

    def __init__(self, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError(f"cache size must be >= 1, got {maxsize}")
        self.maxsize = maxsize
        self._rows: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._rows)

    def lookup(self, keys: list[str]) -> list[np.ndarray | None]:
        """The cached row of each key, or None; found keys become most recently used."""
        out: list[np.ndarray | None] = []
        with self._lock:
            for key in keys:
                row = self._rows.get(key)
                if row is not None:
                    self._rows.move_to_end(key)
                out.append(row)
        return out

    def count(self, hits: int, misses: int) -> None:
        """Record posts answered from the cache and distinct posts that had to be scored."""
        with self._lock:
            self.hits += hits
            self.misses += misses

    def store(self, keys: list[str], rows: np.ndarray) -> None:
        with self._lock:
            for key, row in zip(keys, rows):
                self._rows[key] = row
                self._rows.move_to_end(key)
            while len(self._rows) > self.maxsize:
                self._rows.popitem(last=False)
