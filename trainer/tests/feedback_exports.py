"""Feedback exports made in tests, in the API's format (packages/sync/schema/feedback-export.schema.json)."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import uuid
from pathlib import Path
from typing import Any

from PIL import Image


def jpeg_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=92)
    return buf.getvalue()


def record(
    photo: bytes, label: str, *, new_class: bool = False, device: str = "device-0001", day: str = "2026-11-30", rid: str = ""
) -> dict[str, Any]:
    rid = rid or str(uuid.uuid4())
    return {
        "id": rid,
        "photo": f"photos/{rid}.jpg",
        "sha256": hashlib.sha256(photo).hexdigest(),
        "label": label,
        "newClass": new_class,
        "leafGroup": f"device:{device}/{day}",
        "review": {"decision": "label", "reviewedAt": "2026-12-01T09:30:00.000Z", "reviewer": "tok-agronomist"},
        "model": {"bundleVersion": "0.0.1", "label": "Tomato___healthy", "probability": 0.7},
        "farmer": {"verdict": "wrong"},
    }


def write_export(
    path: Path,
    items: list[tuple[dict[str, Any], bytes | None]],
    served_labels: list[str] | None = None,
    document: dict[str, Any] | None = None,
) -> Path:
    """items: (record, photo bytes or None for a record whose photo is left out of the tarball)."""
    doc = document or {
        "format": "leafcheck-feedback-export",
        "formatVersion": 1,
        "createdAt": "2026-12-01T10:00:00.000Z",
        "servedBundle": {"version": "0.0.1", "labels": served_labels or []},
        "records": [r for r, _ in items],
    }
    with tarfile.open(path, "w:gz") as tar:

        def add(name: str, data: bytes) -> None:
            info = tarfile.TarInfo(f"leafcheck-feedback/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))

        add("export.json", json.dumps(doc, ensure_ascii=False).encode())
        for rec, photo in items:
            if photo is not None:
                add(rec["photo"], photo)
    return path
