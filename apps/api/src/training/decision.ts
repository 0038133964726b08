// The retrain decision for the bundle the API serves: one function for GET /v1/retrain/decision and the scheduler.
import { decideRetrain, type RetrainConfig, type RetrainDecision } from '@leafcheck/sync';
import type { BundleInfo, Storage } from '../context.ts';

export async function retrainDecision(
  storage: Storage,
  bundle: BundleInfo,
  config: RetrainConfig,
  now: Date,
): Promise<RetrainDecision & { bundleVersion: string }> {
  const stats = await storage.feedback.stats();
  const reviewed = await storage.feedback.reviewedSince(bundle.createdAt);
  const decision = decideRetrain(
    {
      bundle: { version: bundle.version, createdAt: bundle.createdAt, metrics: bundle.metrics, labels: bundle.labels },
      verdicts: stats.filter((r) => r.bundleVersion === bundle.version).map((r) => ({ label: r.label, right: r.right, wrong: r.wrong })),
      newReviewedLabels: reviewed.count,
      unknownReviewedLabels: reviewed.labels.filter((l) => !bundle.labels.includes(l)),
      now,
    },
    config,
  );
  return { bundleVersion: bundle.version, ...decision };
}
