// Published bundles for app updates: public (bundles are signed; the app verifies them itself).
import { createRoute, z } from '@hono/zod-openapi';
import type { Api, RouteContext } from '../context.ts';
import { errorBody, gateReport } from '../schemas.ts';

const published = z
  .object({
    version: z.string(),
    createdAt: z.string(),
    publishedAt: z.string(),
    keyId: z.string(),
    metrics: z.record(z.string(), z.number()),
    files: z.array(z.string()),
    gate: gateReport.optional().openapi({ description: 'the promotion gate report at publish time' }),
  })
  .openapi('PublishedBundle');

const CONTENT_TYPES: Record<string, string> = {
  json: 'application/json',
  md: 'text/markdown; charset=utf-8',
  onnx: 'application/octet-stream',
};

export function registerBundles(app: Api, ctx: RouteContext) {
  const registry = ctx.deps.registry;
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/bundles',
      tags: ['bundles'],
      summary: 'Published bundles, newest first',
      responses: {
        200: {
          description: 'list',
          content: { 'application/json': { schema: z.object({ latest: z.string().nullable(), bundles: z.array(published) }) } },
        },
      },
    }),
    async (c) => {
      const bundles = registry ? await registry.list() : [];
      return c.json({ latest: bundles[0]?.version ?? null, bundles }, 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/bundles/{version}/{file}',
      tags: ['bundles'],
      summary: 'One file of a published bundle (immutable)',
      request: {
        params: z.object({
          version: z.string().openapi({ param: { name: 'version', in: 'path' } }),
          file: z.string().openapi({ param: { name: 'file', in: 'path' } }),
        }),
      },
      responses: {
        200: { description: 'file bytes', content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } } },
        404: { description: 'no such version or file', content: { 'application/json': { schema: errorBody } } },
      },
    }),
    async (c) => {
      const { version, file } = c.req.valid('param');
      const bytes = registry ? await registry.read(version, file) : null;
      if (bytes === null) return c.json({ error: 'not-found', message: `no file ${file} in bundle ${version}` }, 404);
      const type = CONTENT_TYPES[file.split('.').pop() ?? ''] ?? 'application/octet-stream';
      return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
        'content-type': type,
        'cache-control': 'public, max-age=31536000, immutable',
      });
    },
  );
}
