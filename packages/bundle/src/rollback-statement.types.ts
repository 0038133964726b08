// Generated from schema/rollback-statement.schema.json by scripts/generate-types.ts. Do not edit.

/**
 * A maintainer's signed statement that phones on a channel may go back from fromVersion (or anything older) to one exact older bundle. Without one, a device refuses a version lower than the highest it has verified (no downgrade or freeze attacks). Signed like a manifest: Ed25519 over the canonical JSON without the signature field.
 */
export interface RollbackStatement {
  formatVersion: 1;
  kind: 'leafcheck-rollback';
  channel: string;
  /**
   * The newest version this rollback replaces; a device that has verified anything newer ignores the statement.
   */
  fromVersion: string;
  /**
   * The older bundle the phones go back to.
   */
  toVersion: string;
  /**
   * sha256 of that bundle's manifest.json bytes: the statement names one exact bundle.
   */
  toManifestSha256: string;
  issuedAt: string;
  /**
   * Who rolled back (the maintainer's token name).
   */
  issuedBy: string;
  reason?: string;
  signature: {
    algorithm: 'Ed25519';
    keyId: string;
    value: string;
  };
}
