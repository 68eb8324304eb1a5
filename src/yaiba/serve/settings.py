"""What a ``yaiba serve`` worker needs to know: the model to load and the request limits."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from typing import Any

from yaiba.model import Model, load

ENVIRONMENT = "YAIBA_SERVE_SETTINGS"
"""Environment variable that hands the settings (JSON) to worker processes (``--workers N``)."""

MAX_BODY_BYTES = 1_048_576
MAX_POSTS = 1000
THREADS = 2
BODY_TIMEOUT = 30.0


@dataclass(frozen=True)
class ServeSettings:
    """Settings of one service: the model and the limits every request is held to.

    Parameters
    ----------
    model : str or None
        Model file; None for the shipped model.
    threshold : float or None
        Call a post an attack when P(attack) >= this; None keeps the model's thresholds.
    max_body_bytes : int
        Largest request body accepted (HTTP 413 above).
    max_posts : int
        Most posts in one ``/v1/score`` request (HTTP 413 above).
    threads : int
        Scoring threads per worker process; requests wait in turn beyond that.
    body_timeout : float
        Seconds a client has to send its whole body (HTTP 408 after).
    """

    model: str | None = None
    threshold: float | None = None
    max_body_bytes: int = MAX_BODY_BYTES
    max_posts: int = MAX_POSTS
    threads: int = THREADS
    body_timeout: float = BODY_TIMEOUT

    def __post_init__(self) -> None:
        for name in ("max_body_bytes", "max_posts", "threads"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        if not isinstance(self.body_timeout, (int, float)) or not self.body_timeout > 0:
            raise ValueError(f"body_timeout must be a number of seconds > 0, got {self.body_timeout!r}")
        if self.threshold is not None and not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must be in [0, 1], got {self.threshold!r}")

    def load_model(self) -> Model:
        """The model these settings name, with the threshold applied."""
        model = load(None if self.model in (None, "default") else self.model)
        if self.threshold is not None:
            model = model.with_thresholds({model.positive_class: self.threshold})
        return model

    def to_json(self) -> str:
        """The settings as one JSON object (what :meth:`from_json` reads)."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> ServeSettings:
        """Settings from :meth:`to_json` output; unknown keys are refused."""
        data: Any = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError(f"{ENVIRONMENT} must hold a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"{ENVIRONMENT}: unknown setting(s) {', '.join(unknown)}")
        return cls(**data)

    @classmethod
    def from_environment(cls) -> ServeSettings:
        """Settings from ``$YAIBA_SERVE_SETTINGS`` (defaults when it is unset)."""
        text = os.environ.get(ENVIRONMENT)
        return cls() if text is None else cls.from_json(text)


__all__ = ["BODY_TIMEOUT", "ENVIRONMENT", "MAX_BODY_BYTES", "MAX_POSTS", "THREADS", "ServeSettings"]
