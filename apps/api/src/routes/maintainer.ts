// Maintainer routes: the labelled export for the trainer and the retrain decision.
import { createRoute, z } from '@hono/zod-openapi';
import type { Api, RouteContext } from '../context.ts';
import { exportFile } from '../export/export.ts';
import { authResponses, errorBody, security } from '../schemas.ts';
import { retrainDecision } from '../training/decision.ts';

const decisionSchema = z
  .object({
    bundleVersion: z.string(),
    retrain: z.boolean(),
    triggers: z.array(z.object({ rule: z.string(), reason: z.string() })),
    facts: z.object({
      baselineAccuracy: z.number().nullable(),
      baselineMetric: z.string().nullable(),
      fieldAccuracy: z.number().nullable(),
      verdicts: z.number(),
      newReviewedLabels: z.number(),
      daysSinceBundle: z.number(),
    }),
  })
  .openapi('RetrainDecision');

export function registerMaintainer(app: Api, ctx: RouteContext) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/export',
      tags: ['maintainer'],
      summary:
        'Reviewed, labelled photos for the trainer: export.json (packages/sync/schema/feedback-export.schema.json) + photos/<id>.jpg',
      security,
      middleware: [ctx.auth('maintainer')] as const,
      responses: {
        200: {
          description: 'tar.gz, written completely before the first byte is sent (x-leafcheck-export-sha256, -records, -skipped)',
          content: { 'application/gzip': { schema: z.string().openapi({ format: 'binary' }) } },
        },
        500: {
          description: 'the export could not be written (the reason is logged); nothing was sent',
          content: { 'application/json': { schema: errorBody } },
        },
        ...authResponses,
      },
    }),
    async (c) => {
      const now = ctx.now();
      const bundle = ctx.deps.bundle ? { version: ctx.deps.bundle.version, labels: ctx.deps.bundle.labels } : null;
      let made: Awaited<ReturnType<typeof exportFile>>;
      try {
        made = await exportFile({ reviews: ctx.deps.storage.reviews, photos: ctx.deps.photos, bundle, now });
      } catch (error) {
        console.error('GET /v1/export failed before sending anything:', error);
        return c.json({ error: 'export-failed', message: `the export could not be written: ${(error as Error).message}` }, 500);
      }
      const { stream, summary } = made;
      const name = `leafcheck-feedback-${now.toISOString().slice(0, 19).replace(/[:T]/g, '-')}.tar.gz`;
      return c.body(stream, 200, {
        'content-type': 'application/gzip',
        'content-length': String(summary.bytes),
        'content-disposition': `attachment; filename="${name}"`,
        'x-leafcheck-export-sha256': summary.sha256,
        'x-leafcheck-export-records': String(summary.records),
        'x-leafcheck-export-skipped': JSON.stringify(summary.skipped),
      });
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/retrain/decision',
      tags: ['maintainer'],
      summary: "Whether to retrain, after the training guide's rules, for the bundle this API serves",
      security,
      middleware: [ctx.auth('maintainer')] as const,
      responses: {
        200: { description: 'decision', content: { 'application/json': { schema: decisionSchema } } },
        503: { description: 'no bundle loaded', content: { 'application/json': { schema: errorBody } } },
        ...authResponses,
      },
    }),
    async (c) => {
      const bundle = ctx.deps.bundle;
      if (bundle === null)
        return c.json({ error: 'no-bundle', message: 'the API has no bundle manifest to compare against (LEAFCHECK_BUNDLE_DIR)' }, 503);
      return c.json(await retrainDecision(ctx.deps.storage, bundle, ctx.config.retrain, ctx.now()), 200);
    },
  );
}
