// Translation flags (issue 13): an agronomist flags an advice translation; it is validated, stored and listed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type Harness, openHarness } from './harness.ts';

describe('advice translation flags', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness('sqlite');
  });
  afterAll(() => h.close());

  it('stores a flag with its note and lists it newest first', async () => {
    const label = h.deps.bundle?.labels[0] ?? 'Tomato___Late_blight';
    const res = await call(h, 'POST', '/v1/translations/flags', h.tokens.agronomist, {
      label,
      language: 'sw',
      note: ' "bakajani" is wrong here ',
    });
    expect(res.status).toBe(200);
    const flag = (await res.json()) as { id: string; note: string; language: string; label: string };
    expect(flag).toMatchObject({ label, language: 'sw', note: '"bakajani" is wrong here' });
    await call(h, 'POST', '/v1/translations/flags', h.tokens.agronomist, { label, language: 'hi' });
    const list = (await (await call(h, 'GET', '/v1/translations/flags', h.tokens.maintainer)).json()) as { flags: { language: string }[] };
    expect(list.flags.map((f) => f.language)).toEqual(expect.arrayContaining(['sw', 'hi']));
  });

  it.each([
    [{ label: 'Tomato___Late_blight', language: 'en' }, 'English is the original'],
    [{ label: 'Tomato___Late_blight', language: 'Swahili' }, 'language code'],
    [{ label: '../etc/passwd', language: 'sw' }, 'class name'],
    [{ label: 'Tomato___Late_blight', language: 'sw', note: 'x'.repeat(1001) }, ''],
    [{ label: 'Tomato___Late_blight', language: 'sw', extra: 1 }, ''],
  ])('refuses %j', async (body, message) => {
    const res = await call(h, 'POST', '/v1/translations/flags', h.tokens.agronomist, body);
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain(message);
  });

  it('refuses a class the served bundle does not have', async () => {
    const res = await call(h, 'POST', '/v1/translations/flags', h.tokens.agronomist, { label: 'Cassava___Mosaic', language: 'sw' });
    expect(res.status).toBe(h.deps.bundle ? 400 : 200);
  });
});
