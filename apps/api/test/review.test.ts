import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { type FeedbackExport, feedbackExportErrors } from '@leafcheck/sync/feedback-export';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { record, TINY_JPEG_BASE64 } from './fixtures.ts';
import { call, describeEachBackend, type Harness, openHarness, testBundle } from './harness.ts';

const photo = { photoJpegBase64: TINY_JPEG_BASE64 };
const top = (label: string, probability: number) => ({ kind: 'diagnosis' as const, crop: 'Tomato', topK: [{ label, probability }] });

/** Lists a .tar.gz with Python's tarfile (the trainer's reader), returning entry names, sizes and export.json. */
function readExport(bytes: Uint8Array): { names: string[]; sizes: Record<string, number>; doc: FeedbackExport } {
  const script = `
import io, json, sys, tarfile
t = tarfile.open(fileobj=io.BytesIO(sys.stdin.buffer.read()), mode="r:gz")
members = [m for m in t.getmembers() if m.isfile()]
doc = json.loads(t.extractfile("leafcheck-feedback/export.json").read().decode("utf-8"))
print(json.dumps({"names": [m.name for m in members], "sizes": {m.name: m.size for m in members}, "doc": doc}))`;
  return JSON.parse(execFileSync('python3', ['-c', script], { input: bytes }).toString());
}

const CJK_CLASS = `木薯___${'花叶病毒病'.repeat(8)}叶片黄`; // 48 characters, 144 bytes of UTF-8

describeEachBackend('review on %s', (backend) => {
  let h: Harness;
  let clock = new Date('2026-11-29T12:00:00Z');
  beforeAll(async () => {
    h = await openHarness(backend, { now: () => clock });
    const res = await call(h, 'POST', '/v1/feedback', h.tokens.device, {
      records: [
        record(1, { ...photo, prediction: top('Tomato___healthy', 0.97) }),
        record(2, { ...photo, prediction: top('Tomato___healthy', 0.55) }),
        record(3, {
          ...photo,
          prediction: top('Tomato___healthy', 0.9),
          verdict: { kind: 'wrong', correctedLabel: 'Tomato___Late_blight' },
        }),
        record(4, {
          ...photo,
          prediction: top('Tomato___healthy', 0.8),
          verdict: { kind: 'not-sure' },
          location: { lat: 0.34567, lon: 32.5891 },
        }),
        record(5, { prediction: top('Tomato___healthy', 0.1), verdict: { kind: 'wrong', correctedLabel: 'Tomato___Late_blight' } }),
      ],
    });
    expect(res.status).toBe(200);
  });
  afterAll(() => h.close());

  const queueIds = async () => {
    const res = await call(h, 'GET', '/v1/review?limit=10', h.tokens.agronomist);
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: Array<{ id: string; priority: string }> }).items;
  };

  it('lists items with photos, wrong first, then low confidence by probability, then the rest', async () => {
    const items = await queueIds();
    expect(items.map((i) => i.id)).toEqual([3, 2, 4, 1].map((n) => record(n).id));
    expect(items.map((i) => i.priority)).toEqual(['wrong', 'low-confidence', 'low-confidence', 'other']);
  });

  it('shows one item with the model and farmer answers and serves its photo', async () => {
    const res = await call(h, 'GET', `/v1/review/${record(3).id}`, h.tokens.agronomist);
    const item = await res.json();
    expect(item).toMatchObject({
      model: { kind: 'diagnosis', crop: 'Tomato', topK: [{ label: 'Tomato___healthy', probability: 0.9 }] },
      farmer: { verdict: 'wrong', correctedLabel: 'Tomato___Late_blight', note: null },
      photoUrl: `/v1/review/${record(3).id}/photo`,
      suggestion: { status: 'disabled' },
      review: null,
    });
    const jpeg = await call(h, 'GET', `/v1/review/${record(3).id}/photo`, h.tokens.agronomist);
    expect(jpeg.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await jpeg.arrayBuffer()).toString('base64')).toBe(TINY_JPEG_BASE64);
    expect((await call(h, 'GET', `/v1/review/${record(99).id}`, h.tokens.agronomist)).status).toBe(404);
    // A location more precise than the protocol allows is stored rounded to 0.1 degree.
    const located = await (await call(h, 'GET', `/v1/review/${record(4).id}`, h.tokens.agronomist)).json();
    expect(located).toMatchObject({ location: { lat: 0.3, lon: 32.6 } });
  });

  it('records decisions: labelled and unusable items leave the queue, skipped ones go last', async () => {
    const decide = (n: number, body: unknown) => call(h, 'POST', `/v1/review/${record(n).id}`, h.tokens.agronomist, body);
    expect(await (await decide(3, { decision: 'label', label: 'Tomato___Late_blight' })).json()).toMatchObject({
      decision: 'label',
      newClass: false,
    });
    expect(await (await decide(2, { decision: 'skip' })).json()).toMatchObject({ decision: 'skip', label: null });
    expect((await decide(4, { decision: 'unusable' })).status).toBe(200);
    expect((await queueIds()).map((i) => i.id)).toEqual([1, 2].map((n) => record(n).id));
    // A label outside the served taxonomy is refused unless the reviewer declares it as a new class.
    const undeclared = await decide(1, { decision: 'label', label: 'Pepper,_bell___Bacterial_spot' });
    expect(undeclared.status).toBe(400);
    expect(await undeclared.json()).toMatchObject({
      issues: [{ path: 'label', message: expect.stringMatching(/not in the served bundle's taxonomy.*"newClass": true/) }],
    });
    expect(await (await decide(1, { decision: 'label', label: 'Pepper,_bell___Bacterial_spot', newClass: true })).json()).toMatchObject({
      newClass: true,
    });
    expect((await decide(99, { decision: 'skip' })).status).toBe(404);
  });

  it('refuses bad decisions with field errors', async () => {
    const bad = await call(h, 'POST', `/v1/review/${record(2).id}`, h.tokens.agronomist, { decision: 'label', label: '../etc/passwd' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'validation', issues: [{ path: 'label' }] });
    const unknown = await call(h, 'POST', `/v1/review/${record(2).id}`, h.tokens.agronomist, { decision: 'maybe' });
    expect(unknown.status).toBe(400);
    const badId = await call(h, 'POST', '/v1/review/not-a-uuid', h.tokens.agronomist, { decision: 'skip' });
    expect(badId.status).toBe(400);
  });

  it('refuses a declared new class that breaks the export rules, and takes 48 CJK characters', async () => {
    const decide = (body: unknown) => call(h, 'POST', `/v1/review/${record(2).id}`, h.tokens.agronomist, body);
    const long = await decide({ decision: 'label', label: `Tomato___${'x'.repeat(128)}`, newClass: true });
    expect(long.status).toBe(400);
    expect(await long.json()).toMatchObject({
      issues: [{ path: 'label', message: expect.stringContaining('at most 128 characters (this one has 137)') }],
    });
    const shapeless = await decide({ decision: 'label', label: 'Cassava mosaic', newClass: true });
    expect(await shapeless.json()).toMatchObject({ issues: [{ message: expect.stringContaining('Crop___Disease') }] });
    expect([...CJK_CLASS].length).toBe(48);
    expect(await (await decide({ decision: 'label', label: CJK_CLASS, newClass: true })).json()).toMatchObject({
      newClass: true,
      label: CJK_CLASS,
    });
  });

  it('exports labelled photos as photos/<id>.jpg with export.json under the shared schema', async () => {
    const res = await call(h, 'GET', '/v1/export', h.tokens.maintainer);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/gzip');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(res.headers.get('content-length')).toBe(String(bytes.length));
    expect(res.headers.get('x-leafcheck-export-sha256')).toBe(createHash('sha256').update(bytes).digest('hex'));
    const { names, sizes, doc } = readExport(bytes);
    expect(feedbackExportErrors(doc)).toEqual([]);
    const ids = [1, 2, 3].map((n) => record(n).id).sort();
    // Entry names are ids, whatever the label: a 48-character CJK class never reaches a tar header.
    expect(names.sort()).toEqual(['leafcheck-feedback/export.json', ...ids.map((id) => `leafcheck-feedback/photos/${id}.jpg`)].sort());
    expect(sizes[`leafcheck-feedback/photos/${record(3).id}.jpg`]).toBe(Buffer.from(TINY_JPEG_BASE64, 'base64').length);
    expect(doc.servedBundle).toEqual({ version: testBundle.version, labels: testBundle.labels });
    expect(doc.records.map((r) => [r.id, r.label, r.newClass, r.farmer.verdict, r.model.label])).toEqual([
      [record(1).id, 'Pepper,_bell___Bacterial_spot', true, 'right', 'Tomato___healthy'],
      [record(2).id, CJK_CLASS, true, 'right', 'Tomato___healthy'],
      [record(3).id, 'Tomato___Late_blight', false, 'wrong', 'Tomato___healthy'],
    ]);
    const three = doc.records[2];
    expect(three?.sha256).toBe(createHash('sha256').update(Buffer.from(TINY_JPEG_BASE64, 'base64')).digest('hex'));
    expect(three?.leafGroup).toMatch(/^device:.+\/\d{4}-\d{2}-\d{2}$/);
    expect(three?.review).toMatchObject({ decision: 'label', reviewer: expect.any(String) });
  });

  it('fails before the first byte with a 500 and a logged reason when a photo cannot be read', async () => {
    const photos = h.deps.photos;
    const get = photos.get;
    const logged: unknown[] = [];
    const error = console.error;
    console.error = (...args: unknown[]) => void logged.push(args);
    photos.get = async (id) => {
      if (id === record(3).id) throw new Error('disk read error');
      return get(id);
    };
    try {
      const res = await call(h, 'GET', '/v1/export', h.tokens.maintainer);
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toMatch(/json/);
      expect(await res.json()).toMatchObject({ error: 'export-failed', message: expect.stringContaining('disk read error') });
      expect(String(logged[0])).toContain('/v1/export');
    } finally {
      photos.get = get;
      console.error = error;
    }
  });

  it('decides on retraining from the stored feedback and the bundle', async () => {
    const res = await call(h, 'GET', '/v1/retrain/decision', h.tokens.maintainer);
    expect(res.status).toBe(200);
    const decision = (await res.json()) as {
      retrain: boolean;
      triggers: Array<{ rule: string; reason: string }>;
      facts: Record<string, unknown>;
    };
    // Pepper,_bell___Bacterial_spot and the CJK class are not in the bundle: declared new classes.
    expect(decision.triggers).toEqual([
      { rule: 'new-classes', reason: `reviewed labels the bundle lacks: Pepper,_bell___Bacterial_spot, ${CJK_CLASS}` },
    ]);
    expect(decision.facts).toMatchObject({ newReviewedLabels: 3, verdicts: 4, daysSinceBundle: 28, baselineAccuracy: 0.95 });
    clock = new Date('2026-12-29T12:00:00Z');
    const later = (await (await call(h, 'GET', '/v1/retrain/decision', h.tokens.maintainer)).json()) as {
      triggers: Array<{ rule: string }>;
    };
    expect(later.triggers.map((t) => t.rule)).toEqual(['new-classes', 'scheduled']);
  });
});

describe('retrain decision without a bundle', () => {
  it('answers 503 with the reason', async () => {
    const h = await openHarness('sqlite', { bundle: null });
    try {
      const res = await call(h, 'GET', '/v1/retrain/decision', h.tokens.maintainer);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ error: 'no-bundle' });
    } finally {
      await h.close();
    }
  });
});
