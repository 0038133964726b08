// The agronomist's review: queue, photo, Claude's suggestion, decision.
import { createRoute, z } from '@hono/zod-openapi';
import { labelProbability, wellFormedText } from '@leafcheck/sync';
import { labelProblem } from '@leafcheck/sync/feedback-export';
import type { Api, RouteContext } from '../context.ts';
import type { ReviewItemRow } from '../db/review-store.ts';
import { viewOf } from '../llm/suggestions.ts';
import { authResponses, errorBody, idParam, security, validationError } from '../schemas.ts';

/** Crop___Disease (or a bare class like Background_without_leaves); never a path. */
export const labelSchema = wellFormedText()
  .min(3)
  .max(200)
  .regex(/^[^/\\.][^/\\]*$/, 'must be a class name such as Tomato___Late_blight (no slashes, no leading dot)')
  .refine((s) => !/[\p{Cc}]/u.test(s), 'must not contain control characters');

const suggestionView = z
  .union([
    z.object({ status: z.literal('disabled'), reason: z.string() }),
    z.object({
      status: z.literal('ok'),
      model: z.string().nullable(),
      createdAt: z.string(),
      suggestion: z.object({
        label: z.string(),
        confidence: z.enum(['high', 'medium', 'low']),
        reasoning: z.string(),
        visibleSymptoms: z.array(z.string()),
        needsReview: z.boolean(),
      }),
    }),
    z.object({ status: z.literal('error'), model: z.string().nullable(), error: z.string(), createdAt: z.string() }),
  ])
  .openapi('LabelSuggestion');

const reviewItem = z
  .object({
    id: z.string(),
    priority: z.enum(['wrong', 'low-confidence', 'other']),
    bundleVersion: z.string(),
    appVersion: z.string(),
    diagnosedAt: z.string(),
    receivedAt: z.string(),
    model: z.object({ kind: z.string(), crop: z.string().nullable(), topK: z.array(labelProbability) }),
    farmer: z.object({
      verdict: z.enum(['right', 'wrong', 'not-sure']),
      correctedLabel: z.string().nullable(),
      note: z.string().nullable(),
    }),
    location: z.object({ lat: z.number(), lon: z.number() }).nullable(),
    photoUrl: z.string().nullable(),
    review: z.object({ decision: z.enum(['label', 'unusable', 'skip']), label: z.string().nullable(), reviewedAt: z.string() }).nullable(),
    suggestion: suggestionView.nullable(),
  })
  .openapi('ReviewItem');

const decisionBody = z
  .discriminatedUnion('decision', [
    z.object({
      decision: z.literal('label'),
      label: labelSchema,
      newClass: z.boolean().optional().openapi({
        description:
          "true declares a class the served bundle's taxonomy lacks (Crop___Disease); otherwise the label must be one of its classes",
      }),
    }),
    z.object({ decision: z.literal('unusable') }),
    z.object({ decision: z.literal('skip') }),
  ])
  .openapi('ReviewDecision');

const notFound = { 404: { description: 'no such feedback record', content: { 'application/json': { schema: errorBody } } } };

function toItem(row: ReviewItemRow, ctx: RouteContext): z.infer<typeof reviewItem> {
  const f = row.feedback;
  const lowConfidence = f.verdict === 'not-sure' || f.prediction_kind === 'not-sure' || f.predicted_probability < ctx.config.lowConfidence;
  return {
    id: f.id,
    priority: f.verdict === 'wrong' ? 'wrong' : lowConfidence ? 'low-confidence' : 'other',
    bundleVersion: f.bundle_version,
    appVersion: f.app_version,
    diagnosedAt: f.diagnosed_at,
    receivedAt: f.received_at,
    model: { kind: f.prediction_kind, crop: f.predicted_crop, topK: JSON.parse(f.top_k_json) },
    farmer: { verdict: f.verdict, correctedLabel: f.corrected_label, note: f.note },
    location: f.lat !== null && f.lon !== null ? { lat: Number(f.lat), lon: Number(f.lon) } : null,
    photoUrl: f.has_photo ? `/v1/review/${f.id}/photo` : null,
    review: row.review ? { decision: row.review.decision, label: row.review.label, reviewedAt: row.review.reviewed_at } : null,
    suggestion: ctx.deps.llm === null ? { status: 'disabled', reason: 'ANTHROPIC_API_KEY is not set' } : viewOf(row.suggestion),
  };
}

export function registerReview(app: Api, ctx: RouteContext) {
  const { reviews } = ctx.deps.storage;
  const readers = () => ctx.auth('agronomist', 'maintainer');

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/review',
      tags: ['review'],
      summary: 'Unreviewed items with photos: farmer said wrong first, then low confidence, skipped last',
      security,
      middleware: [readers()] as const,
      request: {
        query: z.object({
          limit: z.coerce.number().int().min(1).max(100).default(20),
          offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
        }),
      },
      responses: {
        200: { description: 'queue page', content: { 'application/json': { schema: z.object({ items: z.array(reviewItem) }) } } },
        400: { description: 'bad query', content: { 'application/json': { schema: validationError } } },
        ...authResponses,
      },
    }),
    async (c) => {
      const { limit, offset } = c.req.valid('query');
      const rows = await reviews.queue({ limit, offset, lowConfidence: ctx.config.lowConfidence });
      return c.json({ items: rows.map((row) => toItem(row, ctx)) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/review/{id}',
      tags: ['review'],
      summary: 'One item',
      security,
      middleware: [readers()] as const,
      request: { params: idParam },
      responses: { 200: { description: 'item', content: { 'application/json': { schema: reviewItem } } }, ...notFound, ...authResponses },
    }),
    async (c) => {
      const row = await reviews.get(c.req.valid('param').id);
      if (row === null) return c.json({ error: 'not-found' }, 404);
      return c.json(toItem(row, ctx), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/review/{id}/photo',
      tags: ['review'],
      summary: "The farmer's photo (JPEG)",
      security,
      middleware: [readers()] as const,
      request: { params: idParam },
      responses: {
        200: { description: 'JPEG', content: { 'image/jpeg': { schema: z.string().openapi({ format: 'binary' }) } } },
        ...notFound,
        ...authResponses,
      },
    }),
    async (c) => {
      const jpeg = await ctx.deps.photos.get(c.req.valid('param').id);
      if (jpeg === null) return c.json({ error: 'not-found' }, 404);
      return c.body(jpeg as Uint8Array<ArrayBuffer>, 200, { 'content-type': 'image/jpeg', 'cache-control': 'private, max-age=3600' });
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/review/{id}/suggestion',
      tags: ['review'],
      summary: "Claude's label suggestion (assistance only; computed once and cached, errors included)",
      security,
      middleware: [readers()] as const,
      request: { params: idParam, query: z.object({ refresh: z.enum(['0', '1']).default('0') }) },
      responses: {
        200: { description: 'suggestion', content: { 'application/json': { schema: suggestionView } } },
        ...notFound,
        ...authResponses,
      },
    }),
    async (c) => {
      const view = await ctx.suggestions.get(c.req.valid('param').id, { refresh: c.req.valid('query').refresh === '1' });
      if (view === null) return c.json({ error: 'not-found' }, 404);
      return c.json(view, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/review/{id}',
      tags: ['review'],
      summary: "The agronomist's decision: a label, unusable, or skip",
      security,
      middleware: [ctx.auth('agronomist')] as const,
      request: { params: idParam, body: { required: true, content: { 'application/json': { schema: decisionBody } } } },
      responses: {
        200: {
          description: 'stored',
          content: {
            'application/json': {
              schema: z.object({
                id: z.string(),
                decision: z.string(),
                label: z.string().nullable(),
                reviewedAt: z.string(),
                newClass: z.boolean(),
              }),
            },
          },
        },
        400: {
          description: 'invalid decision, or a label outside the served taxonomy that is not declared as a new class',
          content: { 'application/json': { schema: validationError } },
        },
        ...notFound,
        ...authResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      if ((await reviews.get(id)) === null) return c.json({ error: 'not-found' }, 404);
      const label = body.decision === 'label' ? body.label : null;
      const known = ctx.deps.bundle?.labels ?? [];
      if (body.decision === 'label') {
        const isNew = !known.includes(body.label);
        const problem =
          isNew && body.newClass !== true
            ? `${JSON.stringify(body.label)} is not in the served bundle's taxonomy; pick one of its classes or declare it with "newClass": true`
            : labelProblem(body.label, isNew);
        if (problem !== null) return c.json({ error: 'validation' as const, issues: [{ path: 'label', message: problem }] }, 400);
      }
      const reviewedAt = ctx.now().toISOString();
      await reviews.decide({
        feedback_id: id,
        decision: body.decision,
        label,
        reviewer_token_id: c.get('token').id,
        reviewed_at: reviewedAt,
      });
      return c.json({ id, decision: body.decision, label, reviewedAt, newClass: label !== null && !known.includes(label) }, 200);
    },
  );
}
