import { describe, expect, it } from 'vitest';
import { proposedLabel, type ReviewItem, reviewApi } from './api.ts';

const item = (patch: Partial<ReviewItem>): ReviewItem => ({
  id: '0193a1b2-0000-7000-8000-000000000001',
  priority: 'other',
  bundleVersion: '0.1.0',
  diagnosedAt: '2026-11-29T12:00:00Z',
  model: { kind: 'diagnosis', crop: 'Tomato', topK: [{ label: 'Tomato___Late_blight', probability: 0.9 }] },
  farmer: { verdict: 'right', correctedLabel: null, note: null },
  photoUrl: null,
  suggestion: null,
  ...patch,
});

describe('proposedLabel (what "accept" stores)', () => {
  it("takes the farmer's correction first", () => {
    const suggestion = {
      status: 'ok' as const,
      model: 'm',
      createdAt: '',
      suggestion: { label: 'Tomato___Leaf_Mold', confidence: 'high' as const, reasoning: '', visibleSymptoms: [], needsReview: false },
    };
    expect(proposedLabel(item({ farmer: { verdict: 'wrong', correctedLabel: 'Tomato___Early_blight', note: null }, suggestion }))).toBe(
      'Tomato___Early_blight',
    );
    expect(proposedLabel(item({ suggestion }))).toBe('Tomato___Leaf_Mold');
    expect(proposedLabel(item({}))).toBe('Tomato___Late_blight');
    expect(proposedLabel(item({ model: { kind: 'not-sure', crop: null, topK: [] } }))).toBeNull();
  });
});

describe('reviewApi', () => {
  it('sends the bearer token and reports HTTP failures with their status', async () => {
    const seen: { url: string; auth: string | null; body: unknown }[] = [];
    const fake = (async (url: string, init: RequestInit = {}) => {
      seen.push({ url, auth: new Headers(init.headers).get('authorization'), body: init.body ?? null });
      return url.endsWith('/v1/review?limit=20') ? Response.json({ items: [] }) : new Response('{}', { status: 403 });
    }) as typeof fetch;
    const api = reviewApi('http://api.test/', 'tok', fake);
    expect(await api.queue()).toEqual([]);
    await expect(api.decide('x', { decision: 'skip' })).rejects.toMatchObject({ name: 'ReviewApiError', status: 403 });
    expect(seen.map((s) => [s.url, s.auth])).toEqual([
      ['http://api.test/v1/review?limit=20', 'Bearer tok'],
      ['http://api.test/v1/review/x', 'Bearer tok'],
    ]);
    expect(seen[1]?.body).toBe('{"decision":"skip"}');
  });

  it('flags an advice translation', async () => {
    const seen: { url: string; body: unknown }[] = [];
    const fake = (async (url: string, init: RequestInit = {}) => {
      seen.push({ url, body: init.body });
      return Response.json({ id: 'f' });
    }) as typeof fetch;
    await reviewApi('http://api.test', 'tok', fake).flagTranslation({ label: 'Bean___Bean_rust', language: 'sw', note: 'wrong' });
    expect(seen).toEqual([
      { url: 'http://api.test/v1/translations/flags', body: '{"label":"Bean___Bean_rust","language":"sw","note":"wrong"}' },
    ]);
  });

  it("carries the API's reason for a refusal, so the agronomist sees why", async () => {
    const refusing = (async () =>
      Response.json(
        { error: 'validation', issues: [{ path: 'label', message: '"X" is not in the taxonomy' }] },
        { status: 400 },
      )) as typeof fetch;
    await expect(reviewApi('http://api.test', 'tok', refusing).decide('x', { decision: 'label', label: 'X' })).rejects.toMatchObject({
      status: 400,
      message: 'HTTP 400: "X" is not in the taxonomy',
    });
    const bare = (async () => new Response('not json', { status: 502 })) as typeof fetch;
    await expect(reviewApi('http://api.test', 'tok', bare).queue()).rejects.toMatchObject({ status: 502, message: 'HTTP 502' });
  });
});
