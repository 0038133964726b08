// Rollback protection: a device refuses a bundle older than the newest it has verified (a replayed old,
// validly signed bundle would otherwise downgrade or freeze it), unless a maintainer's signed rollback
// statement names that exact bundle and was issued for the version the device is on or newer.
import { Validator } from '@cfworker/json-schema';
import schema from '../schema/rollback-statement.schema.json' with { type: 'json' };
import { firstDuplicateKey } from './duplicate-keys.ts';
import { BundleError } from './errors.ts';
import { compareVersions } from './promotion-gate.ts';
import type { RollbackStatement } from './rollback-statement.types.ts';
import { signDocument, type TrustedKey, verifyDocumentSignature } from './signature.ts';

const FILE = 'rollback statement';
const validator = new Validator(schema as object, '2020-12', false);

function invalid(message: string): BundleError {
  return new BundleError('ROLLBACK_STATEMENT_INVALID', `the ${FILE} ${message}`, FILE);
}

export function signRollbackStatement(statement: Omit<RollbackStatement, 'signature'>, privateKeyHex: string): RollbackStatement {
  return signDocument(statement as RollbackStatement, privateKeyHex);
}

/** Parses (text or an already parsed value), validates against the schema and checks the signature. */
export function verifyRollbackStatement(input: string | unknown, trusted: readonly TrustedKey[]): RollbackStatement {
  let data: unknown = input;
  if (typeof input === 'string') {
    try {
      data = JSON.parse(input);
    } catch (err) {
      throw invalid(`is not valid JSON: ${(err as Error).message}`);
    }
    const duplicate = firstDuplicateKey(input);
    if (duplicate !== null) throw invalid(`has the key "${duplicate}" twice in one object`);
  }
  const result = validator.validate(data);
  if (!result.valid) {
    const leaf = result.errors[result.errors.length - 1];
    throw invalid(`does not match its schema at ${leaf?.instanceLocation.replace(/^#/, '') || '/'}: ${leaf?.error ?? 'invalid'}`);
  }
  const statement = data as RollbackStatement;
  verifyDocumentSignature(statement, trusted, FILE);
  return statement;
}

export interface RollbackCheck {
  /** The highest bundle version this device has verified before (null: none yet). */
  highestVerified: string | null;
  /** The channel's signed rollback statement, when the channel is rolled back (parsed or text). */
  rollback?: unknown;
  trusted: readonly TrustedKey[];
}

/**
 * Passes a bundle at or above the highest verified version; an older one only with a valid statement that names
 * this version and this manifest's sha256, and that was issued from a version at or above the device's highest.
 */
export function checkNotRolledBack(version: string, manifestSha256: string, check: RollbackCheck): void {
  const { highestVerified } = check;
  if (highestVerified === null || compareVersions(version, highestVerified) >= 0) return;
  const refused = (why: string) =>
    new BundleError(
      'ROLLBACK_REFUSED',
      `bundle ${version} is older than ${highestVerified}, which this device has already verified, and ${why}`,
      'manifest.json',
    );
  if (check.rollback === undefined || check.rollback === null) throw refused('no signed rollback statement names it');
  const statement = verifyRollbackStatement(check.rollback, check.trusted);
  if (statement.toVersion !== version || statement.toManifestSha256 !== manifestSha256) {
    throw refused(
      `the rollback statement names ${statement.toVersion} (manifest ${statement.toManifestSha256.slice(0, 12)}…), not this bundle`,
    );
  }
  if (compareVersions(statement.fromVersion, highestVerified) < 0) {
    throw refused(`the rollback statement was issued for ${statement.fromVersion}, before this device verified ${highestVerified}`);
  }
}
