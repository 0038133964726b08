// The promotion gate, rule by rule, on the valid fixture manifest with changed versions, classes and metrics.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../src/manifest.ts';
import type { BundleManifest } from '../src/manifest.types.ts';
import { compareVersions, formatGateReport, type GateReport, gateCandidate } from '../src/promotion-gate.ts';
import { FIXTURES } from './fixtures.ts';

const base = parseManifest(readFileSync(join(FIXTURES, 'manifests', 'valid.json'), 'utf8'));
const METRICS = {
  'disease.top1': 0.9,
  'disease.top1.ibean': 0.88,
  'species.top1': 0.96,
  'leaf.wronglyRejected': 0.01,
  'ece.species': 0.014,
  'ece.disease': 0.021,
  'latency.ms.median': 3.4,
};

function manifest(version: string, metrics: Record<string, number> = METRICS, crops = base.taxonomy.crops): BundleManifest {
  return { ...base, bundleVersion: version, metrics, taxonomy: { ...base.taxonomy, crops } };
}
const current = manifest('1.3.0');
const failed = (r: GateReport) => r.checks.filter((c) => !c.pass).map((c) => `${c.rule} ${c.subject}`);
const check = (r: GateReport, subject: string) => r.checks.find((c) => c.subject === subject);

describe('promotion gate', () => {
  it('passes the first bundle, saying so', () => {
    const r = gateCandidate(manifest('0.1.0'), null);
    expect(r).toMatchObject({ pass: true, currentVersion: null, checks: [{ rule: 'first-bundle', pass: true }] });
    expect(r.checks[0]?.reason).toMatch(/no bundle is published yet/);
  });

  it('passes a newer bundle with the same taxonomy and metrics, checking every gated metric', () => {
    const r = gateCandidate(manifest('1.4.0'), current);
    expect(r.pass).toBe(true);
    expect(r.checks.map((c) => `${c.rule} ${c.subject}`)).toEqual([
      'version bundleVersion',
      'taxonomy crops',
      'taxonomy disease classes',
      'primary-metric disease.top1',
      'accuracy disease.top1.ibean',
      'accuracy species.top1',
      'error-rate leaf.wronglyRejected',
      'calibration ece.species',
      'calibration ece.disease',
    ]);
  });

  it('refuses a version that is not semver-greater (equal, older, or the pre-release of the current)', () => {
    for (const v of ['1.3.0', '1.2.9', '1.3.0-rc.1']) {
      const r = gateCandidate(manifest(v), current);
      expect(failed(r)).toEqual(['version bundleVersion']);
      expect(check(r, 'bundleVersion')).toMatchObject({ current: '1.3.0', candidate: v, reason: expect.stringMatching(/not newer/) });
    }
    expect(gateCandidate(manifest('1.3.1-rc.1'), current).pass).toBe(true);
  });

  it('refuses a candidate that drops a crop or a disease class, and welcomes new ones', () => {
    const { Bean: _bean, ...noBean } = base.taxonomy.crops;
    const r = gateCandidate(manifest('1.4.0', METRICS, noBean), current);
    expect(failed(r)).toEqual(['taxonomy crops', 'taxonomy disease classes']);
    expect(check(r, 'crops')).toMatchObject({ current: 2, candidate: 1, reason: '1 would disappear: Bean' });
    expect(check(r, 'disease classes')?.reason).toBe('2 would disappear: Bean___Angular_leaf_spot, Bean___healthy');

    const fewer = gateCandidate(manifest('1.4.0', METRICS, { ...base.taxonomy.crops, Tomato: ['Tomato___healthy'] }), current);
    expect(failed(fewer)).toEqual(['taxonomy disease classes']);

    const more = {
      ...base.taxonomy.crops,
      Potato: ['Potato___Late_blight'],
      Tomato: [...(base.taxonomy.crops.Tomato ?? []), 'Tomato___Leaf_Mold'],
    };
    const grown = gateCandidate(manifest('1.4.0', METRICS, more), current);
    expect(grown.pass).toBe(true);
    expect(check(grown, 'disease classes')).toMatchObject({ current: 4, candidate: 6, reason: 'all 4 kept, 2 new' });
  });

  it('refuses any drop of the primary metric, however small', () => {
    const r = gateCandidate(manifest('1.4.0', { ...METRICS, 'disease.top1': 0.8999 }), current);
    expect(failed(r)).toEqual(['primary-metric disease.top1']);
    expect(check(r, 'disease.top1')?.reason).toBe('dropped 0.01 points; the primary metric may not drop');
    expect(gateCandidate(manifest('1.4.0', { ...METRICS, 'disease.top1': 0.95 }), current).pass).toBe(true);
  });

  it('lets other accuracy metrics drop by at most half a point', () => {
    const at = gateCandidate(manifest('1.4.0', { ...METRICS, 'disease.top1.ibean': 0.875 }), current);
    expect(at.pass).toBe(true);
    expect(check(at, 'disease.top1.ibean')?.reason).toBe('0.50 points worse, within 0.50 points');
    const over = gateCandidate(manifest('1.4.0', { ...METRICS, 'species.top1': 0.9549 }), current);
    expect(failed(over)).toEqual(['accuracy species.top1']);
    expect(check(over, 'species.top1')).toMatchObject({
      current: 0.96,
      candidate: 0.9549,
      reason: '0.51 points worse, over the 0.50 points allowed',
    });
    // The tolerance is policy.
    expect(gateCandidate(manifest('1.4.0', { ...METRICS, 'species.top1': 0.95 }), current, { maxAccuracyDrop: 0.02 }).pass).toBe(true);
  });

  it('lets error rates rise by at most the same tolerance', () => {
    expect(gateCandidate(manifest('1.4.0', { ...METRICS, 'leaf.wronglyRejected': 0.015 }), current).pass).toBe(true);
    expect(failed(gateCandidate(manifest('1.4.0', { ...METRICS, 'leaf.wronglyRejected': 0.02 }), current))).toEqual([
      'error-rate leaf.wronglyRejected',
    ]);
  });

  it('keeps calibration within max(current + 0.01, 0.03)', () => {
    // ece.species 0.014: limit 0.03 (the floor); ece.disease 0.021: limit 0.031.
    expect(gateCandidate(manifest('1.4.0', { ...METRICS, 'ece.species': 0.03, 'ece.disease': 0.031 }), current).pass).toBe(true);
    const r = gateCandidate(manifest('1.4.0', { ...METRICS, 'ece.species': 0.0301, 'ece.disease': 0.0311 }), current);
    expect(failed(r)).toEqual(['calibration ece.species', 'calibration ece.disease']);
    expect(check(r, 'ece.species')?.reason).toMatch(/over the limit 0\.0300/);
    const worse = manifest('1.3.0', { ...METRICS, 'ece.disease': 0.05 });
    expect(check(gateCandidate(manifest('1.4.0', { ...METRICS, 'ece.disease': 0.06 }), worse), 'ece.disease')).toMatchObject({
      pass: true,
      reason: expect.stringMatching(/within the limit 0\.0600/),
    });
  });

  it('fails a gated metric the current bundle reports and the candidate lacks; ignores ungated and new ones', () => {
    const { 'ece.disease': _ece, 'species.top1': _species, 'latency.ms.median': _latency, ...fewer } = METRICS;
    const r = gateCandidate(manifest('1.4.0', { ...fewer, 'disease.top1.field': 0.7 }), current);
    expect(failed(r)).toEqual(['accuracy species.top1', 'calibration ece.disease']);
    expect(check(r, 'species.top1')).toMatchObject({
      current: 0.96,
      candidate: null,
      reason: 'the current bundle reports it, the candidate does not',
    });
    expect(check(r, 'disease.top1.field')).toBeUndefined();
  });

  it('formats a report with failures first', () => {
    const lines = formatGateReport(gateCandidate(manifest('1.2.0', { ...METRICS, 'disease.top1': 0.85 }), current));
    expect(lines[0]).toBe('promotion gate FAILED: 1.2.0 against 1.3.0');
    expect(lines[1]).toMatch(/^ {2}FAIL {2}version bundleVersion: 1\.3\.0 -> 1\.2\.0/);
    expect(lines[2]).toMatch(/^ {2}FAIL {2}primary-metric disease\.top1: 0\.9000 -> 0\.8500 \(dropped 5\.00 points/);
    expect(lines.slice(3).every((l) => l.startsWith('  pass'))).toBe(true);
  });
});

describe('compareVersions', () => {
  it('orders releases and pre-releases like semver', () => {
    const sorted = ['1.0.0', '0.9.10', '1.0.0-rc.2', '0.10.0', '1.0.0-rc.10', '1.0.0-alpha', '0.9.9'].sort(compareVersions);
    expect(sorted).toEqual(['0.9.9', '0.9.10', '0.10.0', '1.0.0-alpha', '1.0.0-rc.2', '1.0.0-rc.10', '1.0.0']);
    expect(() => compareVersions('v1', '1.0.0')).toThrow(RangeError);
  });

  it('reports the feedback slice and holds a candidate that contradicts too many confident answers', () => {
    const field = {
      'feedback.top1': 0.8,
      'feedback.top1.served': 0.3,
      'feedback.images.n': 12,
      'agreement.rate': 0.9,
      'agreement.confidentDisagreement': 0.05,
      'agreement.photos.n': 200,
    };
    const ok = gateCandidate(manifest('1.4.0', { ...METRICS, ...field }), current);
    expect(ok.pass).toBe(true);
    expect(check(ok, 'feedback.top1')).toMatchObject({ rule: 'feedback', current: 0.3, candidate: 0.8, pass: true });
    expect(check(ok, 'feedback.top1')?.reason).toMatch(/not worse than the served bundle on 12 held-out reviewed photos/);
    expect(check(ok, 'agreement.confidentDisagreement')?.reason).toMatch(/5\.0% .* within 10%; agrees on 90\.0% of 200/);

    const held = gateCandidate(manifest('1.4.0', { ...METRICS, ...field, 'agreement.confidentDisagreement': 0.25 }), current);
    // Reported, not failed: the API holds such a candidate until the disagreeing photos are reviewed.
    expect(held.pass).toBe(true);
    expect(check(held, 'agreement.confidentDisagreement')?.reason).toMatch(/^held for review: contradicts 25\.0%/);
    const relaxed = gateCandidate(manifest('1.4.0', { ...METRICS, ...field, 'agreement.confidentDisagreement': 0.25 }), current, {
      maxConfidentDisagreement: 0.3,
    });
    expect(check(relaxed, 'agreement.confidentDisagreement')?.reason).toMatch(/within 30%/);

    const worse = gateCandidate(manifest('1.4.0', { ...METRICS, ...field, 'feedback.top1': 0.2 }), current);
    expect(failed(worse)).toEqual(['feedback feedback.top1']);
    // Without these metrics (a run without feedback) the checks are absent, not failed.
    expect(gateCandidate(manifest('1.4.0'), current).checks.some((c) => c.rule === 'feedback' || c.rule === 'agreement')).toBe(false);
  });
});
