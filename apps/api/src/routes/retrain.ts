// Retrain runs (maintainer only): start a training run, follow it, publish its candidate through the gated registry.
import { createRoute, z } from '@hono/zod-openapi';
import { BundleError } from '@leafcheck/bundle';
import type { Context } from 'hono';
import type { Api, RouteContext } from '../context.ts';
import { PromotionRefusedError, RegistryError } from '../registry/registry.ts';
import { authResponses, errorBody, gateReport, idParam, security } from '../schemas.ts';
import { TrainingError } from '../training/backend.ts';
import { RunConflictError, trainingRuns } from '../training/runs.ts';

const runView = z
  .object({
    id: z.string(),
    backend: z.string(),
    state: z.enum(['running', 'succeeded', 'failed', 'published']),
    version: z.string().openapi({ description: 'the candidate bundle version this run produces' }),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    publishedAt: z.string().nullable(),
    error: z.string().nullable(),
    logTail: z.string(),
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
  const { training, registry, storage } = ctx.deps;
  const runs =
    training && registry
      ? trainingRuns({ runs: storage.runs, setup: training, registry, servedVersion: ctx.deps.bundle?.version ?? null, now: ctx.now })
      : null;
  const common = { tags: ['maintainer'], security, middleware: ctx.auth('maintainer') };
  // The one place backend errors become answers.
  const failure = (error: unknown) => {
    if (error instanceof RunConflictError) return { status: 409 as const, body: { error: 'conflict', message: error.message } };
    if (error instanceof PromotionRefusedError)
      return { status: 409 as const, body: { error: 'gate-failed', message: error.message, gate: error.report } };
    if (error instanceof RegistryError || error instanceof BundleError)
      return { status: 422 as const, body: { error: 'not-publishable', message: error.message } };
    if (error instanceof TrainingError) return { status: 502 as const, body: { error: 'training-backend', message: error.message } };
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
      summary: 'Start a training run (one at a time); its bundle version is the current minor + 1',
      ...common,
      responses: {
        201: { description: 'started', content: { 'application/json': { schema: runView } } },
        409: { description: 'a run is already running', content: { 'application/json': { schema: errorBody } } },
        ...errors,
      },
    }),
    async (c) => {
      if (!runs) return c.json(off, 503);
      try {
        return c.json(await runs.start(c.get('token').id), 201);
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
          description: 'the run has not succeeded, or its candidate failed the gate (report included)',
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
