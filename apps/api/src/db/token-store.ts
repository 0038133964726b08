// API tokens: random secrets shown once at issue time, stored only as sha256 hashes.
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, TokenTable } from './schema.ts';

export const ROLES = ['device', 'agronomist', 'maintainer'] as const;
export type Role = (typeof ROLES)[number];

export interface TokenInfo {
  id: string;
  role: Role;
  name: string;
  createdAt: string;
  revokedAt: string | null;
}

export interface TokenStore {
  issue(role: Role, name: string): Promise<{ info: TokenInfo; token: string }>;
  /** Stores a token chosen elsewhere (a dev token shared with the PWA); no-op if it exists. */
  register(role: Role, name: string, token: string): Promise<TokenInfo>;
  /** The live token's info, or null when unknown or revoked. */
  verify(token: string): Promise<TokenInfo | null>;
  revoke(id: string): Promise<boolean>;
  list(): Promise<TokenInfo[]>;
}

export const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

const toInfo = (row: TokenTable): TokenInfo => ({
  id: row.id,
  role: row.role,
  name: row.name,
  createdAt: row.created_at,
  revokedAt: row.revoked_at,
});

/** How long a verified token is trusted without asking the DB again (revocation from another process takes this long). */
export const TOKEN_CACHE_MS = 5_000;

export function createTokenStore(db: Kysely<Database>, now: () => Date = () => new Date()): TokenStore {
  // Every request verifies its token; a short cache keeps that off the database on the sync hot path.
  const cache = new Map<string, { info: TokenInfo; until: number }>();
  return {
    async issue(role, name) {
      if (!ROLES.includes(role)) throw new Error(`unknown role ${role}; expected one of ${ROLES.join(', ')}`);
      const id = randomBytes(6).toString('hex');
      // The id is inside the token so logs can name a token without revealing it.
      const token = `lc_${role}_${id}_${randomBytes(32).toString('base64url')}`;
      const row: TokenTable = { id, role, hash: hashToken(token), name, created_at: now().toISOString(), revoked_at: null };
      await db.insertInto('api_token').values(row).execute();
      return { info: toInfo(row), token };
    },
    async register(role, name, token) {
      if (!ROLES.includes(role)) throw new Error(`unknown role ${role}; expected one of ${ROLES.join(', ')}`);
      if (token.length < 20 || token.length > 200) throw new Error('a token must have 20 to 200 characters');
      const hash = hashToken(token);
      const found = await db.selectFrom('api_token').selectAll().where('hash', '=', hash).executeTakeFirst();
      if (found) {
        if (found.role !== role) throw new Error(`that token is already registered with role ${found.role}`);
        return toInfo(found);
      }
      const row: TokenTable = { id: randomBytes(6).toString('hex'), role, hash, name, created_at: now().toISOString(), revoked_at: null };
      await db.insertInto('api_token').values(row).execute();
      return toInfo(row);
    },
    async verify(token) {
      if (token.length < 20 || token.length > 200) return null;
      const hash = hashToken(token);
      const cached = cache.get(hash);
      if (cached && cached.until > performance.now()) return cached.info;
      const row = await db.selectFrom('api_token').selectAll().where('hash', '=', hash).executeTakeFirst();
      if (!row || row.revoked_at !== null) {
        cache.delete(hash);
        return null;
      }
      if (cache.size > 10_000) cache.clear();
      const info = toInfo(row);
      cache.set(hash, { info, until: performance.now() + TOKEN_CACHE_MS });
      return info;
    },
    async revoke(id) {
      for (const [hash, entry] of cache) if (entry.info.id === id) cache.delete(hash);
      const result = await db
        .updateTable('api_token')
        .set({ revoked_at: now().toISOString() })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async list() {
      const rows = await db.selectFrom('api_token').selectAll().orderBy('created_at').execute();
      return rows.map(toInfo);
    },
  };
}
