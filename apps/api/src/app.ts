// createApp(deps): the whole API as a Hono app, with every backend injected. No I/O happens here
// beyond what the deps do, so tests call app.request() against real SQLite/PostgreSQL stores.
import { createRoute, z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import { shedLoad } from './boundary/load-shedding.ts';
import { utf8JsonBody } from './boundary/utf8-body.ts';
import { type AppDeps, DEFAULT_CONFIG, makeAuth, newApi, type RouteContext } from './context.ts';
import { createSuggestionService } from './llm/suggestions.ts';
import { registerBundles } from './routes/bundles.ts';
import { registerChannels } from './routes/channels.ts';
import { registerFeedback } from './routes/feedback.ts';
import { registerMaintainer } from './routes/maintainer.ts';
import { registerRetrain } from './routes/retrain.ts';
import { registerReview } from './routes/review.ts';
import { registerTranslations } from './routes/translations.ts';

export type { AppDeps, BundleInfo, Storage } from './context.ts';

export function createApp(deps: AppDeps) {
  const config = { ...DEFAULT_CONFIG, ...deps.config };
  const now = deps.now ?? (() => new Date());
  const ctx: RouteContext = {
    deps,
    config,
    now,
    auth: makeAuth(deps.storage.tokens, config),
    suggestions: createSuggestionService({
      reviews: deps.storage.reviews,
      photos: deps.photos,
      llm: deps.llm,
      labels: deps.bundle?.labels ?? [],
      now,
    }),
  };
  const app = newApi();

  if (config.corsOrigins.length > 0) {
    // '*' alone means any origin (test servers only); otherwise exact origins.
    const origin = config.corsOrigins.length === 1 && config.corsOrigins[0] === '*' ? '*' : config.corsOrigins;
    app.use(
      '*',
      cors({
        origin,
        allowMethods: ['GET', 'POST'],
        // range / if-range / if-none-match: resumable, revalidated bundle downloads (routes/bundles.ts).
        allowHeaders: ['authorization', 'content-type', 'range', 'if-range', 'if-none-match'],
        // retry-after: not CORS-safelisted, and the PWA's sync must read it on a 429/503 (packages/sync/src/backoff.ts).
        exposeHeaders: ['content-range', 'etag', 'accept-ranges', 'retry-after'],
        maxAge: 600,
      }),
    );
  }
  // With a Content-Length, the header decides and the body is never touched here: Hono's bodyLimit
  // would open c.req.raw.body, which makes @hono/node-server build a web stream and lose its direct
  // (much cheaper) body read. Chunked bodies still go through bodyLimit, which counts as it reads.
  const tooLarge = (limit: number): MiddlewareHandler => {
    const onError = (c: Context) => c.json({ error: 'too-large', message: `request body over ${limit} bytes` }, 413);
    const streaming = bodyLimit({ maxSize: limit, onError });
    return async (c, next) => {
      const length = c.req.header('content-length');
      if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
        if (!/^\d+$/.test(length)) return c.json({ error: 'bad-request', message: 'invalid Content-Length' }, 400);
        return Number(length) > limit ? onError(c) : next();
      }
      return streaming(c, next);
    };
  };
  app.use('/v1/feedback', tooLarge(config.feedbackBodyLimit));
  app.use('/v1/review/*', tooLarge(config.otherBodyLimit));
  app.use('/v1/retrain/*', tooLarge(config.otherBodyLimit));
  // After the size limits, so an oversized body is refused before it is read.
  app.use('/v1/*', utf8JsonBody());
  // After the body has arrived (a phone on 2G must not hold a slot while it uploads) and before it is parsed:
  // a request over the process's in-flight bound costs only its 503.
  app.use('/v1/*', shedLoad(config.load));

  app.onError((error, c) => {
    // Hono's own 4xx (e.g. malformed JSON from the validator) keep their status.
    if (error instanceof HTTPException && error.status < 500) return c.json({ error: 'bad-request', message: error.message }, error.status);
    // The client went away (or sent less than its Content-Length) while its body was read: its fault, and nobody
    // is left to read a reply, so no 5xx and no log line.
    if ((error as NodeJS.ErrnoException).code === 'ECONNRESET' || error.name === 'AbortError') {
      return c.json({ error: 'bad-request', message: 'the request body ended early' }, 400);
    }
    console.error(`${c.req.method} ${c.req.path}:`, error);
    return c.json({ error: 'internal', message: 'internal error' }, 500);
  });
  app.notFound((c) => c.json({ error: 'not-found', message: `no route ${c.req.method} ${c.req.path}` }, 404));

  app.openapi(
    createRoute({
      method: 'get',
      path: '/healthz',
      tags: ['meta'],
      summary: 'Liveness',
      responses: {
        200: {
          description: 'ok',
          content: { 'application/json': { schema: z.object({ ok: z.literal(true), bundleVersion: z.string().nullable() }) } },
        },
      },
    }),
    (c) => c.json({ ok: true as const, bundleVersion: deps.bundle?.version ?? null }, 200),
  );
  registerFeedback(app, ctx);
  registerReview(app, ctx);
  registerTranslations(app, ctx);
  registerMaintainer(app, ctx);
  registerRetrain(app, ctx);
  registerBundles(app, ctx);
  registerChannels(app, ctx);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'token from `cli.ts token issue`',
  });
  app.doc31('/openapi.json', { openapi: '3.1.0', info: { title: 'Leafcheck API', version: '0.1.0' } });
  return app;
}
