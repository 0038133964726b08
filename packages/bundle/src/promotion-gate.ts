// The promotion gate: may a candidate bundle replace the one farmers have? A pure function of the two
// signed manifests (verify both first). Every rule is evaluated, so a refusal lists all that failed.
//
// Rules (defaults in DEFAULT_PROMOTION_POLICY):
// - version: the candidate's bundleVersion is semver-greater than the current one.
// - taxonomy: no crop and no disease class of the current taxonomy disappears (new ones are welcome).
// - primary metric (`disease.top1`): may not drop at all.
// - accuracy-like metrics (higher is better) and error rates (lower is better): may not get worse by more
//   than `maxAccuracyDrop` (0.005 = half a point; metrics are fractions).
// - calibration (`ece.*`): candidate <= max(current + calibrationSlack, calibrationFloor) = max(current + 0.01, 0.03).
// - a gated metric the current bundle reports and the candidate lacks fails: no passing on missing evidence.
//   Metrics only the candidate reports, and metrics outside the policy (latency, size, coverage), are not gated.
// - feedback slice (`feedback.top1` vs `feedback.top1.served`, both measured by the trainer on the same held-out
//   reviewed field photos): the candidate may not do worse than the served bundle there.
// - agreement (`agreement.confidentDisagreement`: the share of the served bundle's confident answers on recent
//   unlabelled photos that the candidate contradicts): reported, never failed here. Over `maxConfidentDisagreement`
//   the API holds the candidate for review: those photos go to the front of the review queue, and it publishes
//   only once an agronomist has decided on each (a disagreement is a question to a person, not a regression).
// - no current bundle (the first one): pass, saying so.
import type { BundleManifest } from './manifest.types.ts';

export interface PromotionPolicy {
  /** Must not drop at all. */
  primaryMetric: string;
  /** Higher is better; may drop by at most maxAccuracyDrop. */
  accuracyMetrics: string[];
  /** Lower is better (error rates); may rise by at most maxAccuracyDrop. */
  errorMetrics: string[];
  maxAccuracyDrop: number;
  /** Expected calibration errors: candidate <= max(current + calibrationSlack, calibrationFloor). */
  calibrationMetrics: string[];
  calibrationSlack: number;
  calibrationFloor: number;
  /** Over this share of contradicted confident answers the candidate is held for review (by the API, not the gate). */
  maxConfidentDisagreement: number;
}

export const DEFAULT_PROMOTION_POLICY: PromotionPolicy = {
  primaryMetric: 'disease.top1',
  accuracyMetrics: [
    'disease.top1.plantvillage',
    'disease.top1.ibean',
    'disease.top1.field',
    'disease.macroF1',
    'species.top1',
    'notALeaf.rejected',
    'fieldProxy.disease.top1.plantvillage',
    'fieldProxy.disease.top1.ibean',
    'fieldProxy.species.top1',
  ],
  errorMetrics: ['leaf.wronglyRejected'],
  maxAccuracyDrop: 0.005,
  calibrationMetrics: ['ece.species', 'ece.disease'],
  calibrationSlack: 0.01,
  calibrationFloor: 0.03,
  maxConfidentDisagreement: 0.1,
};

export type GateRule =
  | 'first-bundle'
  | 'version'
  | 'taxonomy'
  | 'primary-metric'
  | 'accuracy'
  | 'error-rate'
  | 'calibration'
  | 'feedback'
  | 'agreement';

export interface GateCheck {
  rule: GateRule;
  /** What was compared: "bundleVersion", "crops", "disease classes" or a metric key. */
  subject: string;
  current: string | number | null;
  candidate: string | number | null;
  pass: boolean;
  reason: string;
}

export interface GateReport {
  pass: boolean;
  candidateVersion: string;
  currentVersion: string | null;
  checks: GateCheck[];
}

/** Float noise allowance: 0.9 - 0.895 is a hair over 0.005. */
const EPSILON = 1e-9;

export function gateCandidate(
  candidate: BundleManifest,
  current: BundleManifest | null,
  policy: Partial<PromotionPolicy> = {},
): GateReport {
  const p = { ...DEFAULT_PROMOTION_POLICY, ...policy };
  const report = (checks: GateCheck[]): GateReport => ({
    pass: checks.every((c) => c.pass),
    candidateVersion: candidate.bundleVersion,
    currentVersion: current?.bundleVersion ?? null,
    checks,
  });
  if (current === null) {
    return report([
      {
        rule: 'first-bundle',
        subject: 'bundleVersion',
        current: null,
        candidate: candidate.bundleVersion,
        pass: true,
        reason: 'no bundle is published yet: nothing to compare against',
      },
    ]);
  }
  return report([
    versionCheck(candidate.bundleVersion, current.bundleVersion),
    ...taxonomyChecks(candidate, current),
    ...metricChecks(candidate.metrics, current.metrics, p),
    ...fieldChecks(candidate.metrics, p),
  ]);
}

/** The candidate's own evidence from the field: the feedback slice and the agreement with the served bundle. */
function fieldChecks(m: Record<string, number>, p: PromotionPolicy): GateCheck[] {
  const checks: GateCheck[] = [];
  const mine = m['feedback.top1'];
  const served = m['feedback.top1.served'];
  if (mine !== undefined && served !== undefined) {
    const pass = mine + EPSILON >= served;
    const n = m['feedback.images.n'];
    const on = n === undefined ? '' : ` on ${n} held-out reviewed photos`;
    checks.push({
      rule: 'feedback',
      subject: 'feedback.top1',
      current: served,
      candidate: mine,
      pass,
      reason: pass ? `not worse than the served bundle${on}` : `${points(served - mine)} worse than the served bundle${on}`,
    });
  }
  const disagreement = m['agreement.confidentDisagreement'];
  if (disagreement !== undefined) {
    const within = disagreement <= p.maxConfidentDisagreement + EPSILON;
    const rate = m['agreement.rate'];
    const agrees =
      rate === undefined ? '' : `; agrees on ${(rate * 100).toFixed(1)}% of ${m['agreement.photos.n'] ?? '?'} unlabelled photos`;
    checks.push({
      rule: 'agreement',
      subject: 'agreement.confidentDisagreement',
      current: null,
      candidate: disagreement,
      pass: true,
      reason: within
        ? `contradicts ${(disagreement * 100).toFixed(1)}% of the served bundle's confident answers, within ${(p.maxConfidentDisagreement * 100).toFixed(0)}%${agrees}`
        : `held for review: contradicts ${(disagreement * 100).toFixed(1)}% of the served bundle's confident answers, over ${(p.maxConfidentDisagreement * 100).toFixed(0)}% (review the disagreeing photos first)${agrees}`,
    });
  }
  return checks;
}

function versionCheck(candidate: string, current: string): GateCheck {
  const pass = compareVersions(candidate, current) > 0;
  const reason = pass ? `${candidate} is newer than ${current}` : `${candidate} is not newer than ${current}: bump bundleVersion`;
  return { rule: 'version', subject: 'bundleVersion', current, candidate, pass, reason };
}

function taxonomyChecks(candidate: BundleManifest, current: BundleManifest): GateCheck[] {
  const crops = (m: BundleManifest) => Object.keys(m.taxonomy.crops);
  const classes = (m: BundleManifest) => Object.values(m.taxonomy.crops).flat();
  const compare = (subject: string, was: string[], now: string[]): GateCheck => {
    const missing = was.filter((x) => !now.includes(x));
    const added = now.length - (was.length - missing.length);
    return {
      rule: 'taxonomy',
      subject,
      current: was.length,
      candidate: now.length,
      pass: missing.length === 0,
      reason:
        missing.length === 0
          ? `all ${was.length} kept${added > 0 ? `, ${added} new` : ''}`
          : `${missing.length} would disappear: ${missing.join(', ')}`,
    };
  };
  return [compare('crops', crops(current), crops(candidate)), compare('disease classes', classes(current), classes(candidate))];
}

const points = (x: number) => `${(x * 100).toFixed(2)} points`;

function metricChecks(candidate: Record<string, number>, current: Record<string, number>, p: PromotionPolicy): GateCheck[] {
  const checks: GateCheck[] = [];
  const gate = (rule: GateRule, key: string, judge: (was: number, now: number) => { pass: boolean; reason: string }) => {
    const was = current[key];
    if (was === undefined) return;
    const now = candidate[key];
    if (now === undefined) {
      checks.push({
        rule,
        subject: key,
        current: was,
        candidate: null,
        pass: false,
        reason: 'the current bundle reports it, the candidate does not',
      });
      return;
    }
    checks.push({ rule, subject: key, current: was, candidate: now, ...judge(was, now) });
  };
  gate('primary-metric', p.primaryMetric, (was, now) =>
    now >= was
      ? { pass: true, reason: 'not lower' }
      : { pass: false, reason: `dropped ${points(was - now)}; the primary metric may not drop` },
  );
  const within = (worse: number) =>
    worse <= p.maxAccuracyDrop + EPSILON
      ? { pass: true, reason: worse > 0 ? `${points(worse)} worse, within ${points(p.maxAccuracyDrop)}` : 'not worse' }
      : { pass: false, reason: `${points(worse)} worse, over the ${points(p.maxAccuracyDrop)} allowed` };
  for (const key of p.accuracyMetrics.filter((k) => k !== p.primaryMetric)) gate('accuracy', key, (was, now) => within(was - now));
  for (const key of p.errorMetrics) gate('error-rate', key, (was, now) => within(now - was));
  for (const key of p.calibrationMetrics) {
    gate('calibration', key, (was, now) => {
      const limit = Math.max(was + p.calibrationSlack, p.calibrationFloor);
      const pass = now <= limit + EPSILON;
      return {
        pass,
        reason: `${pass ? 'within' : 'over'} the limit ${limit.toFixed(4)} (max(current + ${p.calibrationSlack}, ${p.calibrationFloor}))`,
      };
    });
  }
  return checks;
}

/** One line per check, failures first, for the CLI and for refusal messages. */
export function formatGateReport(report: GateReport): string[] {
  const show = (v: string | number | null) => (v === null ? '–' : typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(4) : String(v));
  const head = `promotion gate ${report.pass ? 'PASSED' : 'FAILED'}: ${report.candidateVersion} against ${report.currentVersion ?? 'nothing published'}`;
  const ordered = [...report.checks.filter((c) => !c.pass), ...report.checks.filter((c) => c.pass)];
  return [
    head,
    ...ordered.map(
      (c) => `  ${c.pass ? 'pass' : 'FAIL'}  ${c.rule} ${c.subject}: ${show(c.current)} -> ${show(c.candidate)} (${c.reason})`,
    ),
  ];
}

/** Orders bundle versions (MAJOR.MINOR.PATCH[-pre]) like semver; a release sorts after its pre-releases. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const match = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?$/.exec(v);
    if (!match) throw new RangeError(`not a bundle version: ${v}`);
    return { nums: [Number(match[1]), Number(match[2]), Number(match[3])], pre: match[4]?.split('.') ?? null };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) if (x.nums[i] !== y.nums[i]) return (x.nums[i] as number) - (y.nums[i] as number);
  if (x.pre === null || y.pre === null) return x.pre === y.pre ? 0 : x.pre === null ? 1 : -1;
  for (let i = 0; i < Math.max(x.pre.length, y.pre.length); i++) {
    const p = x.pre[i];
    const q = y.pre[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    const pn = /^\d+$/.test(p);
    const qn = /^\d+$/.test(q);
    if (pn && qn && Number(p) !== Number(q)) return Number(p) - Number(q);
    if (pn !== qn) return pn ? -1 : 1;
    if (p !== q) return p < q ? -1 : 1;
  }
  return 0;
}
