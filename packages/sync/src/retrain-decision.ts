// When to retrain, after the training guide's section 6 ("When to Retrain"), as pure functions.
// Every rule is evaluated (not only the first that fires) so the maintainer sees the whole picture.

export interface RetrainConfig {
  /** Field accuracy this far below the bundle's held-out accuracy triggers (guide: 5 points). */
  maxAccuracyDrop: number;
  /** Farmer right/wrong verdicts needed before field accuracy is trusted. */
  minVerdictsForAccuracy: number;
  /** New agronomist-reviewed labels since the bundle was built (guide: e.g. 1000). */
  minNewLabels: number;
  /** Per-class error rate that triggers (guide: 30 %). */
  maxClassErrorRate: number;
  /** Verdicts a class needs before its error rate counts. */
  minClassVerdicts: number;
  /** Scheduled retrain after this many days, if any new label exists (guide: e.g. 30). */
  maxDaysWithoutRetrain: number;
  /** Bundle metric keys tried in order for the baseline accuracy. */
  baselineMetricKeys: string[];
}

export const DEFAULT_RETRAIN_CONFIG: RetrainConfig = {
  maxAccuracyDrop: 0.05,
  minVerdictsForAccuracy: 100,
  minNewLabels: 1000,
  maxClassErrorRate: 0.3,
  minClassVerdicts: 20,
  maxDaysWithoutRetrain: 30,
  baselineMetricKeys: ['disease.top1.field', 'disease.top1', 'disease.top1.plantvillage'],
};

export interface ClassVerdicts {
  /** Predicted (top-1) label. */
  label: string;
  right: number;
  wrong: number;
}

export interface RetrainInput {
  bundle: {
    version: string;
    /** ISO time the bundle was built. */
    createdAt: string;
    metrics: Record<string, number>;
    /** Every disease label the bundle knows. */
    labels: string[];
  };
  /** Farmer verdicts on this bundle's predictions, per predicted class ("not sure" left out). */
  verdicts: ClassVerdicts[];
  /** Agronomist labels (usable photos) reviewed after the bundle was built. */
  newReviewedLabels: number;
  /** Distinct reviewed labels the bundle does not know yet. */
  unknownReviewedLabels: string[];
  now: Date;
}

export type RetrainRule = 'accuracy-drop' | 'new-labels' | 'new-classes' | 'class-error-rate' | 'scheduled';

export interface RetrainTrigger {
  rule: RetrainRule;
  reason: string;
}

export interface RetrainDecision {
  retrain: boolean;
  triggers: RetrainTrigger[];
  /** Numbers behind the decision, for the maintainer's screen. */
  facts: {
    baselineAccuracy: number | null;
    baselineMetric: string | null;
    fieldAccuracy: number | null;
    verdicts: number;
    newReviewedLabels: number;
    daysSinceBundle: number;
  };
}

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

export function baselineAccuracy(metrics: Record<string, number>, keys: string[]): { key: string; value: number } | null {
  for (const key of keys) {
    const value = metrics[key];
    if (typeof value === 'number' && Number.isFinite(value)) return { key, value };
  }
  return null;
}

export function fieldAccuracy(verdicts: ClassVerdicts[]): { accuracy: number | null; total: number } {
  let right = 0;
  let total = 0;
  for (const v of verdicts) {
    right += v.right;
    total += v.right + v.wrong;
  }
  return { accuracy: total === 0 ? null : right / total, total };
}

export function decideRetrain(input: RetrainInput, config: RetrainConfig = DEFAULT_RETRAIN_CONFIG): RetrainDecision {
  const triggers: RetrainTrigger[] = [];
  const baseline = baselineAccuracy(input.bundle.metrics, config.baselineMetricKeys);
  const field = fieldAccuracy(input.verdicts);
  const created = Date.parse(input.bundle.createdAt);
  if (Number.isNaN(created)) throw new RangeError(`bundle.createdAt is not a date: ${input.bundle.createdAt}`);
  const daysSinceBundle = Math.max(0, Math.floor((input.now.getTime() - created) / 86_400_000));

  if (baseline !== null && field.accuracy !== null && field.total >= config.minVerdictsForAccuracy) {
    const drop = baseline.value - field.accuracy;
    // The epsilon keeps an exact 5-point drop (0.9 - 0.85 in floating point) from firing.
    if (drop > config.maxAccuracyDrop + 1e-9) {
      triggers.push({
        rule: 'accuracy-drop',
        reason: `field accuracy ${percent(field.accuracy)} over ${field.total} verdicts is ${percent(drop)} below ${baseline.key} ${percent(baseline.value)}`,
      });
    }
  }
  if (input.newReviewedLabels >= config.minNewLabels) {
    triggers.push({ rule: 'new-labels', reason: `${input.newReviewedLabels} new reviewed labels (threshold ${config.minNewLabels})` });
  }
  if (input.unknownReviewedLabels.length > 0) {
    triggers.push({
      rule: 'new-classes',
      reason: `reviewed labels the bundle lacks: ${[...input.unknownReviewedLabels].sort().join(', ')}`,
    });
  }
  for (const v of [...input.verdicts].sort((a, b) => a.label.localeCompare(b.label))) {
    const n = v.right + v.wrong;
    if (n < config.minClassVerdicts) continue;
    const errorRate = v.wrong / n;
    if (errorRate > config.maxClassErrorRate + 1e-9) {
      triggers.push({ rule: 'class-error-rate', reason: `${v.label}: ${percent(errorRate)} wrong over ${n} verdicts` });
    }
  }
  // A scheduled retrain without any new label would reproduce the same model, so it needs new data.
  if (daysSinceBundle > config.maxDaysWithoutRetrain && input.newReviewedLabels > 0) {
    triggers.push({
      rule: 'scheduled',
      reason: `${daysSinceBundle} days since bundle ${input.bundle.version}, ${input.newReviewedLabels} new labels`,
    });
  }
  return {
    retrain: triggers.length > 0,
    triggers,
    facts: {
      baselineAccuracy: baseline?.value ?? null,
      baselineMetric: baseline?.key ?? null,
      fieldAccuracy: field.accuracy,
      verdicts: field.total,
      newReviewedLabels: input.newReviewedLabels,
      daysSinceBundle,
    },
  };
}
