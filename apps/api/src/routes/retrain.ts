// Retrain runs (maintainer only): start a training run, follow it, publish its candidate through the gated registry.
import { createRoute, z } from '@hono/zod-openapi';
import { BundleError } from '@leafcheck/bundle';
import type { Context } from 'hono';
import type { Api, RouteContext } from '../context.ts';
import { ExportError } from '../export/export.ts';
import { PromotionRefusedError, RegistryError } from '../registry/registry.ts';
import { authResponses, errorBody, gateReport, idParam, security } from '../schemas.ts';
import { TrainingError } from '../training/backend.ts';
import { RunConflictError, RunHeldError, trainingRunsOf } from '../training/runs.ts';

const runView = z
  .object({
    id: z.string(),
    backend: z.string(),
    kind: z
      .enum(['head', 'full'])
      .openapi({ description: 'head: heads only on the frozen backbone (cached features); full: the whole pipeline' }),
    state: z.enum(['running', 'succeeded', 'failed', 'published']),
    version: z.string().openapi({ description: 'the candidate bundle version this run produces' }),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    publishedAt: z.string().nullable(),
    error: z.string().nullable(),
    logTail: z.string(),
    feedback: z
      .object({ exportSha256: z.string(), records: z.number().int(), skipped: z.record(z.string(), z.number().int()) })
      .nullable()
      .openapi({
        description: 'the reviewed-feedback export snapshotted when the run started (its sha256 is in the candidate provenance)',
      }),
    usage: z
      .object({
        wallSeconds: z.number(),
        cpuSeconds: z.number().nullable(),
        gpuSeconds: z.number().nullable(),
        estimatedCostUsd: z.number(),
      })
      .nullable()
      .openapi({ description: 'once the run ended: its time, and a cost estimate from the configured prices' }),
    agreement: z
      .object({
        photos: z.number().int(),
        rate: z.number(),
        byCrop: z.record(z.string(), z.object({ n: z.number().int(), rate: z.number() })),
        servedConfident: z.number().int(),
        confidentDisagreement: z.number(),
        disagreements: z.number().int(),
      })
      .nullable()
      .openapi({
        description:
          "candidate vs served bundle on recent unlabelled photos; the disagreeing ones lead the review queue, and over the gate's limit of contradicted confident answers the candidate is held for review",
      }),
    candidate: z
      .object({ version: z.string(), gate: gateReport.nullable(), error: z.string().nullable() })
      .nullable()
      .openapi({ description: 'once the run wrote its bundle: the promotion gate against the newest published bundle' }),
  })
  .openapi('RetrainRun');

const errors = {
  ...authResponses,
  502: { description: 'the training backend failed or could not be reached', content: { 'application/json': { schema: errorBody } } },
  503: { description: 'no training backend or no registry configured', content: { 'application/json': { schema: errorBody } } },
};
const notFound = { 404: { description: 'no such run', content: { 'application/json': { schema: errorBody } } } };
const published = z.object({ version: z.string(), gate: gateReport.optional() }).passthrough();

export function registerRetrain(app: Api, ctx: RouteContext) {
  const runs = trainingRunsOf(ctx.deps, ctx.now);
  const common = { tags: ['maintainer'], security, middleware: ctx.auth('maintainer') };
  // The one place backend errors become answers.
  const failure = (error: unknown) => {
    if (error instanceof RunConflictError) return { status: 409 as const, body: { error: 'conflict', message: error.message } };
    if (error instanceof RunHeldError) return { status: 409 as const, body: { error: 'held-for-review', message: error.message } };
    if (error instanceof PromotionRefusedError)
      return { status: 409 as const, body: { error: 'gate-failed', message: error.message, gate: error.report } };
    if (error instanceof RegistryError || error instanceof BundleError)
      return { status: 422 as const, body: { error: 'not-publishable', message: error.message } };
    if (error instanceof TrainingError) return { status: 502 as const, body: { error: 'training-backend', message: error.message } };
    if (error instanceof ExportError) {
      console.error('retrain run: the feedback export snapshot failed:', error);
      return { status: 500 as const, body: { error: 'export-failed', message: error.message } };
    }
    throw error;
  };
  // Each status above is documented on the route; Hono's typed responses cannot take a status union, hence the cast.
  const fail = (c: Context, error: unknown) => {
    const { status, body } = failure(error);
    return c.json(body, status) as never;
  };
  const off = { error: 'unavailable', message: 'retrain runs need a training backend and a bundle registry' };
  const missing = (id: string) => ({ error: 'not-found', message: `no retrain run ${id}` });

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/retrain/runs',
      summary:
        'Start a training run (one at a time) on the base data plus a snapshot of the reviewed feedback; version = current minor + 1',
      ...common,
      request: {
        body: {
          required: false,
          content: { 'application/json': { schema: z.object({ kind: z.enum(['head', 'full']).default('full') }) } },
        },
      },
      responses: {
        201: { description: 'started', content: { 'application/json': { schema: runView } } },
        409: { description: 'a run is already running', content: { 'application/json': { schema: errorBody } } },
        500: {
          description: 'the feedback export snapshot could not be written (logged)',
          content: { 'application/json': { schema: errorBody } },
        },
        ...errors,
      },
    }),
    async (c) => {
      if (!runs) return c.json(off, 503);
      // No body, or {"kind": ...}: the kind defaults to a full run.
      const kind = c.req.header('content-type')?.includes('json') ? c.req.valid('json').kind : 'full';
      try {
        return c.json(await runs.start(c.get('token').id, kind), 201);
      } catch (error) {
        return fail(c, error);
      }
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/retrain/runs',
      summary: 'Retrain runs, newest first (the latest 50)',
      ...common,
      responses: {
        200: { description: 'the runs', content: { 'application/json': { schema: z.object({ runs: z.array(runView) }) } } },
        ...errors,
      },
    }),
    async (c) => {
      if (!runs) return c.json(off, 503);
      try {
        return c.json({ runs: await runs.list() }, 200);
      } catch (error) {
        return fail(c, error);
      }
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/retrain/runs/{id}',
      summary: 'A run: state, log tail, candidate version and its gate report',
      ...common,
      request: { params: idParam },
      responses: { 200: { description: 'the run', content: { 'application/json': { schema: runView } } }, ...notFound, ...errors },
    }),
    async (c) => {
      if (!runs) return c.json(off, 503);
      const { id } = c.req.valid('param');
      try {
        const run = await runs.get(id);
        return run ? c.json(run, 200) : c.json(missing(id), 404);
      } catch (error) {
        return fail(c, error);
      }
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/retrain/runs/{id}/publish',
      summary: "Publish the run's candidate through the promotion gate",
      ...common,
      request: { params: idParam },
      responses: {
        200: { description: 'published', content: { 'application/json': { schema: z.object({ published }) } } },
        409: {
          description:
            'the run has not succeeded, its candidate failed the gate (report included), or it is held for review until the photos it disagrees on with the served bundle are reviewed',
          content: { 'application/json': { schema: errorBody.extend({ gate: gateReport.optional() }) } },
        },
        422: {
          description: 'the candidate does not verify or its version is taken',
          content: { 'application/json': { schema: errorBody } },
        },
        ...notFound,
        ...errors,
      },
    }),
    async (c) => {
      if (!runs) return c.json(off, 503);
      const { id } = c.req.valid('param');
      try {
        const published = await runs.publish(id);
        return published ? c.json({ published }, 200) : c.json(missing(id), 404);
      } catch (error) {
        return fail(c, error);
      }
    },
  );
}
