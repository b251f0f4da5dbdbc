"""Saving and loading trained models: atomic writes, a format version, SHA-256 verification.

An artifact is one ``torch.save`` file holding only tensors, strings and numbers, so it loads with
``torch.load(weights_only=True)`` (no pickled code runs). It is written to a temporary file in the
target's folder, flushed to disk and renamed over the target, so a reader sees the old file or the new
one, never a partial one. Loading checks the SHA-256 first and builds the whole model before returning
it: a corrupt or foreign file raises :class:`ArtifactError` and nothing is half-loaded.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import tempfile
from os import PathLike
from pathlib import Path

import torch

from metamodel.ml.model import KnowledgeTracingNet, MetaConfig, Vocabulary
from metamodel.ml.trained import TrainedModel

FORMAT_VERSION = 5


class ArtifactError(Exception):
    """The artifact is missing, corrupt, of another format version, or does not match its SHA-256."""


def save_artifact(model: TrainedModel, path: str | PathLike[str]) -> str:
    """Write ``model`` to ``path`` atomically; return the file's SHA-256 (hex)."""
    payload = {
        "format_version": FORMAT_VERSION,
        "config": dataclasses.asdict(model.config),
        "exercises": list(model.vocabulary.exercises),
        "skills": list(model.vocabulary.skills),
        "info": {k: float(v) for k, v in model.info.items()},
        "state_dict": model.net.state_dict(),
    }
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    data = buffer.getvalue()
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return hashlib.sha256(data).hexdigest()


def load_artifact(path: str | PathLike[str], expected_sha256: str) -> TrainedModel:
    """Load an artifact written by :func:`save_artifact`, refusing it unless its SHA-256 matches."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ArtifactError(f"cannot read {path}: {exc}") from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != expected_sha256.lower():
        raise ArtifactError(
            f"{path}: the file changed since it was written (corrupted or replaced): its SHA-256 is "
            f"{digest}, expected {expected_sha256}"
        )
    try:
        payload = torch.load(io.BytesIO(data), weights_only=True)
        if payload.get("format_version") != FORMAT_VERSION:
            raise ArtifactError(
                f"{path}: format version {payload.get('format_version')!r}, expected {FORMAT_VERSION}"
            )
        config = MetaConfig(**payload["config"])
        vocabulary = Vocabulary(
            exercises={key: i for i, key in enumerate(payload["exercises"], start=1)},
            skills={key: i for i, key in enumerate(payload["skills"], start=1)},
        )
        net = KnowledgeTracingNet(len(vocabulary.exercises), len(vocabulary.skills), config)
        net.load_state_dict(payload["state_dict"], strict=True)
        return TrainedModel(net, vocabulary, config, dict(payload["info"]))
    except ArtifactError:
        raise
    except Exception as exc:  # any failure to rebuild means the file is unusable, whatever its cause
        raise ArtifactError(f"{path}: not a usable model artifact ({exc})") from exc
