"""The model-bundle contract, Python side. Twin of packages/bundle (TypeScript); both test the same fixtures."""

from trainer.bundle.canonical_json import canonical_json
from trainer.bundle.errors import BundleError
from trainer.bundle.manifest import SCHEMA_PATH, parse_manifest, validate_manifest
from trainer.bundle.signing import SigningKey, TrustedKey, key_id_of, load_or_create_local_key, sign_manifest
from trainer.bundle.verify import VerifiedBundle, verify_bundle
from trainer.bundle.writer import write_bundle

__all__ = [
    "SCHEMA_PATH",
    "BundleError",
    "SigningKey",
    "TrustedKey",
    "VerifiedBundle",
    "canonical_json",
    "key_id_of",
    "load_or_create_local_key",
    "parse_manifest",
    "sign_manifest",
    "validate_manifest",
    "verify_bundle",
    "write_bundle",
]
