import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { record, TINY_JPEG_BASE64 } from './fixtures.ts';
import { backends, call, type Harness, openHarness } from './harness.ts';

const photo = { photoJpegBase64: TINY_JPEG_BASE64 };
const top = (label: string, probability: number) => ({ kind: 'diagnosis' as const, crop: 'Tomato', topK: [{ label, probability }] });

/** Lists a .tar.gz with Python's tarfile (the trainer's reader), returning names and the manifest. */
function readExport(bytes: Uint8Array): {
  names: string[];
  manifest: Array<Record<string, string>>;
  csv: Array<Record<string, string>>;
  sizes: Record<string, number>;
} {
  const script = `
import csv, io, json, sys, tarfile
t = tarfile.open(fileobj=io.BytesIO(sys.stdin.buffer.read()), mode="r:gz")
members = [m for m in t.getmembers() if m.isfile()]
manifest = t.extractfile("leafcheck-feedback/manifest.jsonl").read().decode()
rows = list(csv.DictReader(io.StringIO(t.extractfile("leafcheck-feedback/manifest.csv").read().decode(), newline="")))
print(json.dumps({"names": [m.name for m in members], "sizes": {m.name: m.size for m in members}, "csv": rows,
  "manifest": [json.loads(l) for l in manifest.splitlines() if l]}))`;
  return JSON.parse(execFileSync('python3', ['-c', script], { input: bytes }).toString());
}

describe.each(backends)('review on %s', (backend) => {
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
    expect(await (await decide(1, { decision: 'label', label: 'Pepper,_bell___Bacterial_spot' })).json()).toMatchObject({ newClass: true });
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

  it('exports labelled photos as an imagefolder tarball with a JSONL manifest', async () => {
    const res = await call(h, 'GET', '/v1/export', h.tokens.maintainer);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/gzip');
    const { names, manifest, csv, sizes } = readExport(new Uint8Array(await res.arrayBuffer()));
    const expected = [
      `leafcheck-feedback/Pepper,_bell___Bacterial_spot/${record(1).id}.jpg`,
      `leafcheck-feedback/Tomato___Late_blight/${record(3).id}.jpg`,
    ];
    expect(names.filter((n) => n.endsWith('.jpg')).sort()).toEqual(expected);
    expect(sizes[expected[1] as string]).toBe(Buffer.from(TINY_JPEG_BASE64, 'base64').length);
    expect(manifest.map((m) => [m.relative_path, m.class, m.farmer_verdict, m.model_label]).sort()).toEqual([
      [`Pepper,_bell___Bacterial_spot/${record(1).id}.jpg`, 'Pepper,_bell___Bacterial_spot', 'right', 'Tomato___healthy'],
      [`Tomato___Late_blight/${record(3).id}.jpg`, 'Tomato___Late_blight', 'wrong', 'Tomato___healthy'],
    ]);
    expect(manifest[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
    // manifest.csv is what the trainer's scan() reads: same rows, commas in class names quoted.
    expect(csv.map((r) => [r.relative_path, r.class, r.sha256, r.leaf_group])).toEqual(
      manifest.map((m) => [m.relative_path, m.class, m.sha256, m.leaf_group]),
    );
  });

  it('decides on retraining from the stored feedback and the bundle', async () => {
    const res = await call(h, 'GET', '/v1/retrain/decision', h.tokens.maintainer);
    expect(res.status).toBe(200);
    const decision = (await res.json()) as {
      retrain: boolean;
      triggers: Array<{ rule: string; reason: string }>;
      facts: Record<string, unknown>;
    };
    // Pepper,_bell___Bacterial_spot is not in the bundle: a new class.
    expect(decision.triggers).toEqual([{ rule: 'new-classes', reason: 'reviewed labels the bundle lacks: Pepper,_bell___Bacterial_spot' }]);
    expect(decision.facts).toMatchObject({ newReviewedLabels: 2, verdicts: 4, daysSinceBundle: 28, baselineAccuracy: 0.95 });
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
