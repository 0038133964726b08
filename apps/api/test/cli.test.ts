import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.ts';
import { openDb } from '../src/db/connect.ts';
import { createTokenStore } from '../src/db/token-store.ts';

describe('token CLI', () => {
  let dir: string;
  const saved = { ...process.env };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'leafcheck-cli-'));
    process.env.LEAFCHECK_DB = join(dir, 'cli.db');
    delete process.env.DATABASE_URL;
  });
  afterAll(async () => {
    process.env = saved;
    await rm(dir, { recursive: true, force: true });
  });

  const run = async (...args: string[]) => {
    const lines: string[] = [];
    const code = await runCli(args, (l) => lines.push(l));
    return { code, lines };
  };

  it('issues, lists and revokes tokens that the API then accepts or refuses', async () => {
    const issued = await run('token', 'issue', '--role', 'agronomist', '--name', 'Dr. A');
    expect(issued.code).toBe(0);
    const token = issued.lines[1] as string;
    expect(token).toMatch(/^lc_agronomist_[0-9a-f]{12}_/);
    const id = token.split('_')[2] as string;
    const opened = await openDb({ kind: 'sqlite', path: process.env.LEAFCHECK_DB as string });
    try {
      const tokens = createTokenStore(opened.db);
      expect(await tokens.verify(token)).toMatchObject({ id, role: 'agronomist', name: 'Dr. A' });
      const listed = await run('token', 'list');
      expect(listed.lines.join('\n')).toContain(`${id}\tagronomist\tlive`);
      expect((await run('token', 'revoke', id)).code).toBe(0);
      // A running API caches verified tokens for TOKEN_CACHE_MS; a fresh store sees the revocation.
      expect(await createTokenStore(opened.db).verify(token)).toBeNull();
      expect((await run('token', 'revoke', id)).code).toBe(1);
    } finally {
      await opened.close();
    }
  });

  it('refuses unknown roles and commands with usage', async () => {
    expect(await run('token', 'issue', '--role', 'admin')).toEqual({
      code: 2,
      lines: ['--role must be one of device, agronomist, maintainer'],
    });
    expect((await run('tokens')).code).toBe(2);
  });
});
