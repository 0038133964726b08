// Published bundles for app updates: public (bundles are signed; the app verifies them itself).
// Files are immutable, so each has a strong ETag (its sha256) and byte ranges: a download that broke off on a
// 2G link resumes with `Range: bytes=<what it has>-` and `If-Range: <etag>` instead of starting again.
import { createRoute, z } from '@hono/zod-openapi';
import { sha256Hex } from '@leafcheck/bundle';
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
  const etags = new Map<string, string>(); // version/file -> strong ETag; published files never change
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/bundles/{version}/{file}',
      tags: ['bundles'],
      summary: 'One file of a published bundle (immutable; strong ETag = its sha256; single byte ranges)',
      request: {
        params: z.object({
          version: z.string().openapi({ param: { name: 'version', in: 'path' } }),
          file: z.string().openapi({ param: { name: 'file', in: 'path' } }),
        }),
      },
      responses: {
        200: { description: 'file bytes', content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } } },
        206: {
          description: 'the requested byte range (Content-Range)',
          content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } },
        },
        304: { description: 'If-None-Match matched: the device already has these bytes' },
        404: { description: 'no such version or file', content: { 'application/json': { schema: errorBody } } },
        416: { description: 'the range starts past the end of the file (Content-Range: bytes */size)' },
      },
    }),
    async (c) => {
      const { version, file } = c.req.valid('param');
      const bytes = registry ? await registry.read(version, file) : null;
      if (bytes === null) return c.json({ error: 'not-found', message: `no file ${file} in bundle ${version}` }, 404);
      const key = `${version}/${file}`;
      const etag = etags.get(key) ?? `"${await sha256Hex(bytes)}"`;
      etags.set(key, etag);
      const headers: Record<string, string> = {
        'content-type': CONTENT_TYPES[file.split('.').pop() ?? ''] ?? 'application/octet-stream',
        'cache-control': 'public, max-age=31536000, immutable',
        'accept-ranges': 'bytes',
        etag,
      };
      if (matchesEtag(c.req.header('if-none-match'), etag)) return c.body(null, 304, headers);
      const ifRange = c.req.header('if-range');
      const range = ifRange === undefined || ifRange === etag ? parseRange(c.req.header('range'), bytes.byteLength) : null;
      if (range === 'unsatisfiable') {
        return c.body(null, 416, { ...headers, 'content-range': `bytes */${bytes.byteLength}` }) as never;
      }
      if (range) {
        const [start, end] = range;
        return c.body(bytes.subarray(start, end + 1) as Uint8Array<ArrayBuffer>, 206, {
          ...headers,
          'content-range': `bytes ${start}-${end}/${bytes.byteLength}`,
        }) as never;
      }
      return c.body(bytes as Uint8Array<ArrayBuffer>, 200, headers);
    },
  );
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  return header !== undefined && (header.trim() === '*' || header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag));
}

/**
 * One range of `Range: bytes=a-b | a- | -n` as [start, end] (inclusive), clamped to the file. null: no usable
 * Range header (absent, malformed or several ranges: the whole file is the answer, as RFC 9110 allows).
 */
export function parseRange(header: string | undefined, size: number): [number, number] | 'unsatisfiable' | null {
  const m = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return null;
  if (start >= size) return 'unsatisfiable';
  return [start, end];
}
