import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { fromBase64, fromHex, sha256HexSync, toBase64, toHex } from './bytes.ts';
import { canonicalJson } from './canonical-json.ts';
import { BundleError } from './errors.ts';
import type { BundleManifest } from './manifest.types.ts';

// Pure-JS sha512 so signing and verifying work the same in Node, workers and insecure contexts.
ed.hashes.sha512 = sha512;

/** A public key the app trusts to sign bundles: 32 raw bytes, hex. */
export interface TrustedKey {
  keyId: string;
  publicKeyHex: string;
  /** Who holds the private half, for humans. */
  owner?: string;
}

/** keyId = first 16 hex characters of sha256(raw public key). */
export function keyIdOf(publicKey: Uint8Array): string {
  return sha256HexSync(publicKey).slice(0, 16);
}

export function generateKeyPair(): { privateKeyHex: string; publicKeyHex: string; keyId: string } {
  const { secretKey, publicKey } = ed.keygen();
  return { privateKeyHex: toHex(secretKey), publicKeyHex: toHex(publicKey), keyId: keyIdOf(publicKey) };
}

/** The signature block of a signed document (a manifest, a rollback statement). */
export interface DocumentSignature {
  algorithm: 'Ed25519';
  keyId: string;
  value: string;
}

/** The exact bytes that are signed: canonical JSON of the document without its signature. */
export function signedBytes(document: { signature?: DocumentSignature }): Uint8Array {
  const { signature: _ignored, ...unsigned } = document;
  return new TextEncoder().encode(canonicalJson(unsigned));
}

/** Signs any JSON document the way manifests are signed (Ed25519 over its canonical JSON). */
export function signDocument<T extends { signature?: DocumentSignature }>(document: T, privateKeyHex: string): T {
  const secret = fromHex(privateKeyHex);
  const publicKey = ed.getPublicKey(secret);
  const value = toBase64(ed.sign(signedBytes(document), secret));
  return { ...document, signature: { algorithm: 'Ed25519', keyId: keyIdOf(publicKey), value } };
}

export function signManifest(manifest: BundleManifest, privateKeyHex: string): BundleManifest {
  return signDocument(manifest, privateKeyHex);
}

/** Checks a signed document against the trusted keys; `file` names it in errors ("manifest.json"). */
export function verifyDocumentSignature(
  document: { signature?: DocumentSignature },
  trusted: readonly TrustedKey[],
  file: string,
): TrustedKey {
  const sig = document.signature;
  if (!sig) throw new BundleError('SIGNATURE_MISSING', `${file} is not signed`, file);
  const key = trusted.find((k) => k.keyId === sig.keyId);
  if (!key) {
    throw new BundleError('UNTRUSTED_KEY', `${file} is signed by key ${sig.keyId}, which this app does not trust`, file);
  }
  let ok = false;
  try {
    const raw = fromBase64(sig.value);
    // Non-canonical base64 (stray padding bits) would let two strings carry one signature.
    ok = toBase64(raw) === sig.value && ed.verify(raw, signedBytes(document), fromHex(key.publicKeyHex));
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new BundleError(
      'SIGNATURE_INVALID',
      `${file} signature does not match its content (key ${sig.keyId}): the ${file === 'manifest.json' ? 'manifest' : 'document'} was changed after signing`,
      file,
    );
  }
  return key;
}

export function verifyManifestSignature(manifest: BundleManifest, trusted: readonly TrustedKey[]): TrustedKey {
  return verifyDocumentSignature(manifest, trusted, 'manifest.json');
}
