"""Ed25519 signatures over the canonical manifest; the twin of packages/bundle/src/signature.ts."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from trainer.bundle.canonical_json import canonical_json
from trainer.bundle.errors import BundleError


@dataclass(frozen=True)
class TrustedKey:
    key_id: str
    public_key_hex: str
    owner: str = ""


@dataclass(frozen=True)
class SigningKey:
    key_id: str
    public_key_hex: str
    private_key_hex: str

    @staticmethod
    def generate() -> SigningKey:
        private = Ed25519PrivateKey.generate()
        raw_public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return SigningKey(key_id_of(raw_public), raw_public.hex(), private.private_bytes_raw().hex())

    def trusted(self) -> TrustedKey:
        return TrustedKey(self.key_id, self.public_key_hex)

    def to_json(self) -> dict[str, str]:
        return {"keyId": self.key_id, "publicKeyHex": self.public_key_hex, "privateKeyHex": self.private_key_hex}


def key_id_of(raw_public_key: bytes) -> str:
    return hashlib.sha256(raw_public_key).hexdigest()[:16]


def leafcheck_home() -> Path:
    return Path(os.environ.get("LEAFCHECK_HOME", Path.home() / ".leafcheck"))


def load_or_create_local_key(path: Path | None = None) -> SigningKey:
    """This machine's signing key (shared with the TypeScript tools), created on first use, never in the repo."""
    path = path or leafcheck_home() / "signing-key.json"
    if path.exists():
        data = json.loads(path.read_text())
        return SigningKey(data["keyId"], data["publicKeyHex"], data["privateKeyHex"])
    key = SigningKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(key.to_json(), f, indent=2)
    return key


def signed_bytes(manifest: dict[str, Any]) -> bytes:
    return canonical_json({k: v for k, v in manifest.items() if k != "signature"}).encode("utf-8")


def sign_manifest(manifest: dict[str, Any], key: SigningKey) -> dict[str, Any]:
    private = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(key.private_key_hex))
    value = base64.b64encode(private.sign(signed_bytes(manifest))).decode("ascii")
    return {**manifest, "signature": {"algorithm": "Ed25519", "keyId": key.key_id, "value": value}}


def verify_manifest_signature(manifest: dict[str, Any], trusted: list[TrustedKey]) -> TrustedKey:
    sig = manifest.get("signature")
    if not sig:
        raise BundleError("SIGNATURE_MISSING", "manifest.json is not signed", "manifest.json")
    key = next((k for k in trusted if k.key_id == sig["keyId"]), None)
    if key is None:
        raise BundleError(
            "UNTRUSTED_KEY", f"manifest.json is signed by key {sig['keyId']}, which this app does not trust", "manifest.json"
        )
    try:
        public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(key.public_key_hex))
        public.verify(base64.b64decode(sig["value"], validate=True), signed_bytes(manifest))
    except (InvalidSignature, ValueError) as err:
        raise BundleError(
            "SIGNATURE_INVALID",
            f"manifest.json signature does not match its content (key {sig['keyId']}): the manifest was changed after signing",
            "manifest.json",
        ) from err
    return key
