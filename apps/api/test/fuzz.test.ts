// Fuzz over the OpenAPI document: for a bounded time, fast-check builds requests for every operation (every role,
// valid and broken path/query/body values from the documented schemas, lone surrogates, invalid UTF-8, and
// request-smuggling-style framing: negative, duplicate or short Content-Length, Content-Length with chunked
// encoding, bad chunks, chunked bodies over the limit) and sends them over raw sockets to a real server.
// Every answer must be a status line with a status under 500 (a 5xx only where the operation documents it: the
// retrain backend being off), 4xx answers carry JSON, and no connection is reset or left hanging.
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DbTarget } from '../src/db/connect.ts';
import { startTestServer, type TestServer } from '../src/test-server.ts';
import { describeEachBackend, postgresAvailable, testBundle } from './harness.ts';

// Per database: about 12 s of requests in all.
const FUZZ_MS = Number(process.env.LEAFCHECK_FUZZ_MS ?? (postgresAvailable ? 7_000 : 12_000));

type Schema = Record<string, unknown>;
interface Operation {
  method: string;
  path: string;
  params: Array<{ name: string; in: string; schema: Schema; required?: boolean }>;
  body: Schema | null;
  responses: string[];
}

interface Answer {
  status: number;
  contentType: string | null;
}

/** Sends raw bytes, half-closes, and reads every response until the server closes. */
function exchange(port: number, request: Buffer): Promise<{ answers: Answer[]; error: string | null; raw: string }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let error: string | null = null;
    const timer = setTimeout(() => {
      error = 'timeout: no close within 10 s';
      socket.destroy();
    }, 10_000);
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', (e) => {
      error = (e as NodeJS.ErrnoException).code ?? e.message;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks).toString('latin1');
      const answers = [...raw.matchAll(/HTTP\/1\.1 (\d{3}) [^\r\n]*\r\n((?:[^\r\n]+\r\n)*)\r\n/g)].map((m) => ({
        status: Number(m[1]),
        contentType: /^content-type: *([^\r\n]+)/im.exec(m[2] as string)?.[1] ?? null,
      }));
      resolve({ answers, error, raw: raw.slice(0, 1000) });
    });
    socket.end(request);
  });
}

/** Percent-encodes the UTF-8 bytes of `s` (encodeURIComponent throws on a lone surrogate). */
const percentEncode = (s: string) =>
  [...Buffer.from(s, 'utf8')]
    .map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`))
    .join('');

function operations(doc: { paths: Record<string, Record<string, Schema>> }): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => {
      const content = (op.requestBody as { content?: Record<string, { schema: Schema }> } | undefined)?.content;
      return {
        method: method.toUpperCase(),
        path,
        params: (op.parameters as Operation['params']) ?? [],
        body: content?.['application/json']?.schema ?? null,
        responses: Object.keys(op.responses as object),
      };
    }),
  );
}

/** Characters that break naive text handling: lone surrogates, NUL and controls, emoji, RTL, U+FFFD. */
const nastyChar = fc.oneof(
  fc.constantFrom('\ud800', '\udfff', '\u0000', '\u001b', '\u007f', '\ufffd', '\u202e', '😀', '/', '..', '%', '"', '\\'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n)),
);
const nastyString = fc.string({ unit: nastyChar, maxLength: 40 });

/** A generated value as a query or path parameter. Objects go as JSON: fast-check makes some with a null prototype,
 * which String() cannot convert ("Cannot convert object to primitive value"), failing the run at random. */
const asParam = (value: unknown): string => (value !== null && typeof value === 'object' ? JSON.stringify(value) : String(value));

/** Values for a JSON schema from the OpenAPI document: mostly valid, sometimes at or past the limits. */
function fromSchema(schema: Schema, doc: { components: { schemas: Record<string, Schema> } }, depth = 0): fc.Arbitrary<unknown> {
  const ref = schema.$ref as string | undefined;
  if (ref) return fromSchema(doc.components.schemas[ref.split('/').pop() as string] as Schema, doc, depth);
  const wild = fc.oneof(fc.jsonValue({ maxDepth: 2 }), nastyString);
  if (depth > 4) return wild;
  const union = (schema.oneOf ?? schema.anyOf) as Schema[] | undefined;
  if (union) return fc.oneof(...union.map((s) => fromSchema(s, doc, depth + 1)));
  if (Array.isArray(schema.enum))
    return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...schema.enum) }, { weight: 1, arbitrary: wild });
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : schema.type ? [schema.type as string] : [];
  if (types.length === 0) return wild;
  const one = (type: string): fc.Arbitrary<unknown> => {
    switch (type) {
      case 'object': {
        const props = (schema.properties ?? {}) as Record<string, Schema>;
        const record = fc.record(Object.fromEntries(Object.entries(props).map(([k, s]) => [k, fromSchema(s, doc, depth + 1)])), {
          requiredKeys: ((schema.required as string[]) ?? []).filter((k) => k in props),
        });
        return fc.oneof({ weight: 5, arbitrary: record }, { weight: 1, arbitrary: fc.dictionary(nastyString, wild, { maxKeys: 3 }) });
      }
      case 'array': {
        const items = schema.items && Object.keys(schema.items as object).length > 0 ? (schema.items as Schema) : null;
        return fc.array(items ? fromSchema(items, doc, depth + 1) : wild, { maxLength: Math.min(Number(schema.maxItems ?? 4), 4) });
      }
      case 'string': {
        if (schema.format === 'uuid' || String(schema.pattern ?? '').includes('-7[0-9a-f]{3}')) {
          return fc.oneof({ weight: 4, arbitrary: fc.uuid({ version: 7 }) }, { weight: 1, arbitrary: nastyString });
        }
        if (schema.format === 'date-time') {
          return fc.oneof(
            fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }).map((d) => d.toISOString()),
            nastyString,
          );
        }
        const max = Math.min(Number(schema.maxLength ?? 60), 60);
        return fc.oneof(
          fc.string({ minLength: Number(schema.minLength ?? 0), maxLength: max }),
          nastyString,
          fc.string({ minLength: 2000, maxLength: 2100 }),
        );
      }
      case 'integer':
        return fc.oneof(fc.integer({ min: -5, max: 200 }), fc.constantFrom(Number.MAX_SAFE_INTEGER, -1, 0, 1e300));
      case 'number':
        return fc.oneof(fc.double({ min: -2, max: 2, noNaN: true }), fc.constantFrom(-1e308, 1e308, -0, 5e-324));
      case 'boolean':
        return fc.boolean();
      default:
        return fc.constant(null);
    }
  };
  return fc.oneof({ weight: 6, arbitrary: fc.oneof(...types.map(one)) }, { weight: 1, arbitrary: wild });
}

type Framing =
  | 'length'
  | 'chunked'
  | 'negative-length'
  | 'duplicate-length'
  | 'short-length'
  | 'length-and-chunked'
  | 'bad-chunk'
  | 'chunked-over-limit';
const framings: Framing[] = [
  'length',
  'chunked',
  'negative-length',
  'duplicate-length',
  'short-length',
  'length-and-chunked',
  'bad-chunk',
  'chunked-over-limit',
];

/** Bytes just over each route's body limit (8 MiB for feedback, 16 KiB elsewhere). */
const overLimit = (path: string) => (path === '/v1/feedback' ? 8 * 1024 * 1024 : 16 * 1024) + 1;

function frame(head: string, body: Buffer, framing: Framing, path: string): Buffer {
  const chunked = (data: Buffer) => Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n0\r\n\r\n')]);
  const headers: Record<Framing, string> = {
    length: `content-length: ${body.length}\r\n`,
    chunked: 'transfer-encoding: chunked\r\n',
    'negative-length': 'content-length: -1\r\n',
    'duplicate-length': `content-length: ${body.length}\r\ncontent-length: ${body.length + 1}\r\n`,
    'short-length': `content-length: ${Math.floor(body.length / 2)}\r\n`,
    'length-and-chunked': `content-length: ${body.length}\r\ntransfer-encoding: chunked\r\n`,
    'bad-chunk': 'transfer-encoding: chunked\r\n',
    'chunked-over-limit': 'transfer-encoding: chunked\r\n',
  };
  let payload = body;
  if (framing === 'chunked' || framing === 'length-and-chunked') payload = chunked(body);
  if (framing === 'bad-chunk') payload = Buffer.concat([Buffer.from('zz\r\n'), body, Buffer.from('\r\n0\r\n\r\n')]);
  if (framing === 'chunked-over-limit') payload = chunked(Buffer.concat([body, Buffer.alloc(overLimit(path), 0x20)]));
  return Buffer.concat([Buffer.from(`${head}${headers[framing]}\r\n`, 'latin1'), payload]);
}

describeEachBackend('fuzz over the OpenAPI document on %s', (backend) => {
  let server: TestServer;
  let ops: Operation[];
  let doc: { paths: Record<string, Record<string, Schema>>; components: { schemas: Record<string, Schema> } };
  let dropSchema = async () => {};
  beforeAll(async () => {
    const many = { burst: 1e6, perSecond: 1e6 };
    let db: DbTarget | undefined;
    if (backend === 'postgres') {
      const url = process.env.TEST_DATABASE_URL as string;
      const schema = `fuzz_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`create schema ${schema}`);
      await admin.end();
      db = { kind: 'postgres', url, schema };
      dropSchema = async () => {
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        await c.query(`drop schema ${schema} cascade`);
        await c.end();
      };
    }
    // With a served taxonomy, so review labels can be stored and exported too.
    server = await startTestServer({
      ...(db ? { db } : {}),
      bundle: testBundle,
      config: { rateLimits: { device: many, agronomist: many, maintainer: many } },
    });
    doc = await (await fetch(`${server.url}/openapi.json`)).json();
    ops = operations(doc);
  });
  afterAll(async () => {
    await server.close();
    await dropSchema();
  });

  const feedbackHead = () =>
    `POST /v1/feedback HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${server.tokens.device}\r\ncontent-type: application/json\r\n`;
  it.each([
    ['a negative Content-Length', 'content-length: -1\r\n\r\n{}', 400, /HPE_INVALID_CONTENT_LENGTH/],
    ['two different Content-Lengths', 'content-length: 2\r\ncontent-length: 3\r\n\r\n{}', 400, /HPE_UNEXPECTED_CONTENT_LENGTH/],
    [
      'Content-Length with chunked',
      'content-length: 2\r\ntransfer-encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
      400,
      /HPE_INVALID_TRANSFER_ENCODING/,
    ],
    ['a chunk size that is not hex', 'transfer-encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n', 400, /HPE_INVALID_CHUNK_SIZE/],
    [
      'a chunked body over the limit',
      `transfer-encoding: chunked\r\n\r\n900001\r\n${' '.repeat(0x900001)}\r\n0\r\n\r\n`,
      413,
      /over 8388608 bytes/,
    ],
  ])('%s gets a JSON 4xx, not a reset', async (_name, rest, status, message) => {
    const { answers, error, raw } = await exchange(server.port, Buffer.from(feedbackHead() + rest, 'latin1'));
    expect(answers[0]).toEqual({ status, contentType: 'application/json' });
    expect(raw).toMatch(message);
    if (status !== 413) expect(error).toBeNull();
    else expect([null, 'EPIPE', 'ECONNRESET']).toContain(error); // the 413 arrived; the rest of the body was not wanted
  });

  it.each([['a backslash in the path', 'GET /v1/review/%\\/photo HTTP/1.1\r\nhost: x\r\n\r\n', /Backslash in request path/]])(
    '%s gets a JSON 400 (found by the fuzz: a bare 400 before)',
    async (_name, request, message) => {
      const { answers, error, raw } = await exchange(server.port, Buffer.from(request, 'latin1'));
      expect(answers[0]).toEqual({ status: 400, contentType: 'application/json' });
      expect(raw).toMatch(message);
      expect(error).toBeNull();
    },
  );

  it('a request without Host is answered in JSON (the server hostname is assumed), not with a bare 400', async () => {
    const { answers, error } = await exchange(server.port, Buffer.from('GET /healthz HTTP/1.1\r\n\r\n', 'latin1'));
    expect(answers[0]).toEqual({ status: 200, contentType: 'application/json' });
    expect(error).toBeNull();
  });

  it('a header block over the limit gets a JSON 431', async () => {
    const { answers, error } = await exchange(server.port, Buffer.from(`GET /healthz HTTP/1.1\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`));
    expect(answers[0]).toEqual({ status: 431, contentType: 'application/json' });
    expect(error).toBeNull();
  });

  it(`no 5xx, no reset, no hang for any generated request (${FUZZ_MS} ms)`, { timeout: FUZZ_MS + 60_000 }, async () => {
    expect(ops.length).toBeGreaterThan(10);
    const tokens = [null, 'garbage', 'x'.repeat(300), server.tokens.device, server.tokens.agronomist, server.tokens.maintainer];
    const record = fromSchema(doc.components.schemas.FeedbackRecord as Schema, doc);
    const request = fc.constantFrom(...ops).chain((op) => {
      const values = Object.fromEntries(
        op.params.map((p) => [
          `${p.in}:${p.name}`,
          fc.oneof(
            fromSchema(p.schema, doc).map(asParam),
            nastyString,
            fc.constantFrom('%zz', '..%2f..%2fetc%2fpasswd', '%ED%A0%80', '%FF%FE', '%00'),
          ),
        ]),
      );
      // The feedback envelope's records are documented as FeedbackRecord objects.
      const body =
        op.path === '/v1/feedback'
          ? fc.oneof(
              fc.record({ records: fc.array(fc.oneof(record, fc.jsonValue()), { maxLength: 5 }) }),
              fromSchema(op.body as Schema, doc),
            )
          : op.body
            ? fromSchema(op.body, doc)
            : fc.constant(undefined);
      return fc.record({
        op: fc.constant(op),
        values: fc.record(values),
        token: fc.constantFrom(...tokens),
        body,
        encoding: fc.constantFrom('json', 'json', 'json', 'invalid-utf8', 'not-json', 'wrong-type'),
        // Mostly well framed, so the schema-driven bodies reach the routes; every broken framing still comes often.
        framing: fc.oneof({ weight: framings.length, arbitrary: fc.constant<Framing>('length') }, fc.constantFrom(...framings)),
      });
    });
    let runs = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async ({ op, values, token, body, encoding, framing }) => {
        runs++;
        let path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
          const v = values[`path:${name}`] as string;
          return /^%|\.\.%2f/.test(v) ? v : percentEncode(v);
        });
        const query = op.params
          .filter((p) => p.in === 'query')
          .map((p) => `${p.name}=${percentEncode(values[`query:${p.name}`] as string)}`)
          .join('&');
        if (query) path += `?${query}`;
        let bytes = Buffer.from(body === undefined ? '' : JSON.stringify(body), 'utf8');
        if (encoding === 'invalid-utf8' && bytes.length > 2) bytes[Math.floor(bytes.length / 2)] = 0xff;
        if (encoding === 'not-json') bytes = Buffer.concat([bytes.subarray(0, Math.floor(bytes.length / 2)), Buffer.from('{[')]);
        const type = encoding === 'wrong-type' ? 'text/plain' : 'application/json';
        const head =
          `${op.method} ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n` +
          (token ? `authorization: Bearer ${token}\r\n` : '') +
          (op.method === 'POST' ? `content-type: ${type}\r\n` : '');
        const sent = op.method === 'POST' ? frame(head, bytes, framing, op.path) : Buffer.from(`${head}\r\n`, 'latin1');
        const { answers, error, raw } = await exchange(server.port, sent);
        const what = `${op.method} ${path} (${framing}, ${encoding}): ${raw}`;
        expect(answers.length, what).toBeGreaterThan(0);
        // A body megabytes over the limit is answered 413 at once; the server then reads and drops the rest for a
        // while (@hono/node-server: 500 ms, 64 MiB) and may close before a slow client has written it all. The answer
        // arrived, which is what a client needs; any other error is a failure.
        const refusedEarly =
          framing === 'chunked-over-limit' && answers[0]?.status === 413 && (error === 'EPIPE' || error === 'ECONNRESET');
        if (!refusedEarly) expect(error, what).toBeNull();
        for (const { status, contentType } of answers) {
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          const documented5xx = (status === 502 || status === 503) && op.responses.includes(String(status));
          expect(status < 500 || documented5xx, what).toBe(true);
          if (status >= 400) expect(contentType ?? 'no content-type', what).toMatch(/^application\/json/);
        }
      }),
      { numRuns: 1_000_000, plugins: [fc.interruptAfterTimeLimit(FUZZ_MS)] },
    );
    console.log(`fuzz: ${runs} requests in ${FUZZ_MS} ms; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    expect(runs).toBeGreaterThan(100);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
