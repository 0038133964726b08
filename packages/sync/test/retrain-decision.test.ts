import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRAIN_CONFIG, decideRetrain, type RetrainInput } from '../src/retrain-decision.ts';

const base: RetrainInput = {
  bundle: {
    version: '1.0.0',
    createdAt: '2026-11-01T00:00:00Z',
    metrics: { 'disease.top1': 0.9 },
    labels: ['Tomato___Late_blight', 'Tomato___healthy'],
  },
  verdicts: [
    { label: 'Tomato___Late_blight', right: 90, wrong: 10 },
    { label: 'Tomato___healthy', right: 45, wrong: 5 },
  ],
  newReviewedLabels: 0,
  unknownReviewedLabels: [],
  now: new Date('2026-11-20T00:00:00Z'),
};

const rules = (input: RetrainInput) => decideRetrain(input).triggers.map((t) => t.rule);

describe('decideRetrain', () => {
  it('does not retrain when no rule fires, and reports the facts', () => {
    const decision = decideRetrain(base);
    expect(decision.retrain).toBe(false);
    expect(decision.facts).toEqual({
      baselineAccuracy: 0.9,
      baselineMetric: 'disease.top1',
      fieldAccuracy: 0.9,
      verdicts: 150,
      newReviewedLabels: 0,
      daysSinceBundle: 19,
    });
  });

  it('fires on an accuracy drop of more than 5 points, only with enough verdicts', () => {
    const dropped = { ...base, verdicts: [{ label: 'Tomato___Late_blight', right: 84, wrong: 16 }] };
    expect(rules(dropped)).toEqual(['accuracy-drop']);
    const few = { ...base, verdicts: [{ label: 'Tomato___Late_blight', right: 8, wrong: 4 }] };
    expect(rules(few)).toEqual([]);
    const exactlyFive = { ...base, verdicts: [{ label: 'Tomato___Late_blight', right: 85, wrong: 15 }] };
    expect(rules(exactlyFive)).toEqual([]);
  });

  it('prefers a field metric for the baseline when the bundle has one', () => {
    const decision = decideRetrain({ ...base, bundle: { ...base.bundle, metrics: { 'disease.top1': 0.99, 'disease.top1.field': 0.8 } } });
    expect(decision.facts.baselineMetric).toBe('disease.top1.field');
    expect(decision.retrain).toBe(false);
  });

  it('fires on enough new labels and on labels the bundle lacks', () => {
    expect(rules({ ...base, newReviewedLabels: 1000 })).toEqual(['new-labels']);
    expect(rules({ ...base, newReviewedLabels: 999 })).toEqual([]);
    const decision = decideRetrain({ ...base, newReviewedLabels: 3, unknownReviewedLabels: ['Bean___Bean_rust'] });
    expect(decision.triggers).toEqual([{ rule: 'new-classes', reason: 'reviewed labels the bundle lacks: Bean___Bean_rust' }]);
  });

  it('fires on a class above 30 % errors once it has enough verdicts', () => {
    const verdicts = [
      ...base.verdicts,
      { label: 'Tomato___Leaf_Mold', right: 13, wrong: 7 },
      { label: 'Tomato___Target_Spot', right: 1, wrong: 9 },
    ];
    const decision = decideRetrain({ ...base, verdicts });
    expect(decision.triggers.filter((t) => t.rule === 'class-error-rate')).toEqual([
      { rule: 'class-error-rate', reason: 'Tomato___Leaf_Mold: 35.0% wrong over 20 verdicts' },
    ]);
  });

  it('schedules a retrain after 30 days only when there is new data', () => {
    const late = { ...base, now: new Date('2026-12-05T00:00:00Z') };
    expect(rules(late)).toEqual([]);
    expect(rules({ ...late, newReviewedLabels: 12 })).toEqual(['scheduled']);
  });

  it('honours a custom config and refuses a bad date', () => {
    expect(decideRetrain({ ...base, newReviewedLabels: 10 }, { ...DEFAULT_RETRAIN_CONFIG, minNewLabels: 10 }).retrain).toBe(true);
    expect(() => decideRetrain({ ...base, bundle: { ...base.bundle, createdAt: 'yesterday' } })).toThrow(/createdAt/);
  });
});
