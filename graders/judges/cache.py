"""Judge result cache keyed on (model, rendered prompt, choices, sampling params).

Repeated grading in training (same completion, same prompt) must not recompute a forward pass or pay for
another API call. An in-process LRU is always on (`$VERIGRADE_JUDGE_CACHE=0` turns it off); setting
`$VERIGRADE_JUDGE_CACHE_DIR` adds a persistent SQLite store shared across processes and runs.
Only successful replies are cached: failures (server down, timeout) are retried next time.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from graders.models.interface import Reply, Request


def cache_key(model_id: str, request: Request) -> str:
    blob = json.dumps([model_id, request.messages, request.choices, request.sampling], sort_keys=True,
                      ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class JudgeCache:
    """Thread-safe LRU of `Reply`s with optional SQLite persistence; counts hits and misses."""

    def __init__(self, max_entries: int = 100_000, directory: str | Path | None = None):
        self.max_entries = max_entries
        self._mem: OrderedDict[str, Reply] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self._db: sqlite3.Connection | None = None
        if directory:
            path = Path(directory)
            path.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path / "judge_cache.sqlite3"), check_same_thread=False, timeout=30)
            self._db.execute("CREATE TABLE IF NOT EXISTS replies (key TEXT PRIMARY KEY, reply TEXT NOT NULL)")
            self._db.commit()

    def get(self, key: str) -> Reply | None:
        with self._lock:
            reply = self._mem.get(key)
            if reply is not None:
                self._mem.move_to_end(key)
            elif self._db is not None:
                row = self._db.execute("SELECT reply FROM replies WHERE key = ?", (key,)).fetchone()
                if row:
                    reply = Reply.from_json(json.loads(row[0]))
                    self._remember(key, reply)
            if reply is None:
                self.misses += 1
            else:
                self.hits += 1
            return reply

    def put(self, key: str, reply: Reply) -> None:
        with self._lock:
            self._remember(key, reply)
            if self._db is not None:
                self._db.execute("INSERT OR REPLACE INTO replies VALUES (?, ?)", (key, json.dumps(reply.to_json())))
                self._db.commit()

    def _remember(self, key: str, reply: Reply) -> None:
        self._mem[key] = reply
        self._mem.move_to_end(key)
        while len(self._mem) > self.max_entries:
            self._mem.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._mem.clear()
            self.hits = self.misses = 0
            if self._db is not None:
                self._db.execute("DELETE FROM replies")
                self._db.commit()

    def stats(self) -> dict[str, Any]:
        return {"entries": len(self._mem), "hits": self.hits, "misses": self.misses}


_shared: JudgeCache | None = None
_shared_lock = threading.Lock()


def shared_cache() -> JudgeCache | None:
    """The process-wide cache, or None when `$VERIGRADE_JUDGE_CACHE=0`."""
    global _shared
    if os.environ.get("VERIGRADE_JUDGE_CACHE", "1") in ("0", "false", "off"):
        return None
    with _shared_lock:
        if _shared is None:
            _shared = JudgeCache(directory=os.environ.get("VERIGRADE_JUDGE_CACHE_DIR") or None)
        return _shared
