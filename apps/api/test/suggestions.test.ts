// Claude label suggestions against a local server that speaks the Messages API
// (POST /v1/messages, x-api-key, anthropic-version; message object or error object back).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { anthropicSuggester, parseAnswer } from '../src/llm/suggester.ts';
import { record, TINY_JPEG_BASE64 } from './fixtures.ts';
import { call, describeEachBackend, type Harness, openHarness, testBundle } from './harness.ts';

type Reply = { status: number; body: unknown; delayMs?: number };
const message = (text: string) => ({
  status: 200,
  body: {
    id: 'msg_test',
    type: 'message',
    role: 'assistant',
    model: 'claude-test',
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 10 },
  },
});
const goodAnswer = JSON.stringify({
  suggested_label: 'Tomato___Late_blight',
  confidence: 'medium',
  reasoning: 'dark water-soaked lesions',
  visible_symptoms: ['dark lesions', 'pale halo'],
  needs_human_review: false,
});

let server: Server;
let baseURL: string;
let replies: Reply[] = [];
const requests: Array<{ headers: IncomingMessage['headers']; body: Record<string, unknown>; url: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let data = '';
    req.on('data', (chunk) => {
      data += chunk;
    });
    req.on('end', () => {
      requests.push({ headers: req.headers, body: JSON.parse(data), url: req.url ?? '' });
      const reply = replies.shift() ?? { status: 500, body: { type: 'error', error: { type: 'api_error', message: 'no reply scripted' } } };
      setTimeout(() => {
        res.writeHead(reply.status, { 'content-type': 'application/json', 'request-id': 'req_test' });
        res.end(JSON.stringify(reply.body));
      }, reply.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  replies = [];
  requests.length = 0;
});

describeEachBackend('label suggestions on %s', (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(backend, { llm: anthropicSuggester({ apiKey: 'sk-test', baseURL, model: 'claude-test', maxRetries: 0 }) });
    await call(h, 'POST', '/v1/feedback', h.tokens.device, {
      records: [1, 2, 3, 4].map((n) => record(n, { photoJpegBase64: TINY_JPEG_BASE64 })),
    });
  });
  afterAll(() => h.close());
  const suggestion = (n: number, refresh = false) =>
    call(h, 'GET', `/v1/review/${record(n).id}/suggestion${refresh ? '?refresh=1' : ''}`, h.tokens.agronomist);

  it('sends the photo and the taxonomy labels through the Messages API and validates the answer', async () => {
    replies.push(message(`Here you go:\n\`\`\`json\n${goodAnswer}\n\`\`\``));
    const res = await suggestion(1);
    expect(await res.json()).toMatchObject({
      status: 'ok',
      model: 'claude-test',
      suggestion: {
        label: 'Tomato___Late_blight',
        confidence: 'medium',
        visibleSymptoms: ['dark lesions', 'pale halo'],
        needsReview: false,
      },
    });
    expect(requests).toHaveLength(1);
    const sent = requests[0] as (typeof requests)[number];
    expect(sent.url).toBe('/v1/messages');
    // The SDK authenticates with x-api-key or, in newer releases, a bearer header; either carries the key.
    expect([sent.headers['x-api-key'], sent.headers.authorization]).toContainEqual(expect.stringMatching(/^(Bearer )?sk-test$/));
    expect(sent.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(sent.body).toMatchObject({ model: 'claude-test', max_tokens: 1024 });
    const [image, text] = (sent.body.messages as Array<{ content: Array<Record<string, unknown>> }>)[0]?.content ?? [];
    expect(image).toEqual({ type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: TINY_JPEG_BASE64 } });
    for (const label of testBundle.labels) expect(String(text?.text)).toContain(label);
  });

  it('caches the answer per item: later views and the queue do not call Claude again', async () => {
    const again = await (await suggestion(1)).json();
    expect(again).toMatchObject({ status: 'ok', suggestion: { label: 'Tomato___Late_blight' } });
    const queue = (await (await call(h, 'GET', '/v1/review', h.tokens.agronomist)).json()) as {
      items: Array<{ id: string; suggestion: unknown }>;
    };
    expect(queue.items.find((i) => i.id === record(1).id)?.suggestion).toMatchObject({ status: 'ok' });
    expect(queue.items.find((i) => i.id === record(2).id)?.suggestion).toBeNull();
    expect(requests).toHaveLength(0);
  });

  it('shares one call between concurrent requests for the same item', async () => {
    replies.push({ ...message(goodAnswer), delayMs: 100 });
    const answers = await Promise.all([suggestion(2), suggestion(2), suggestion(2)]);
    for (const a of answers) expect(await a.json()).toMatchObject({ status: 'ok' });
    expect(requests).toHaveLength(1);
  });

  it('records failures on the item without blocking review, and retries on refresh', async () => {
    replies.push({ status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } });
    const failed = await (await suggestion(3)).json();
    expect(failed).toMatchObject({ status: 'error', error: expect.stringMatching(/529|Overloaded/) });
    const item = await (await call(h, 'GET', `/v1/review/${record(3).id}`, h.tokens.agronomist)).json();
    expect(item).toMatchObject({ suggestion: { status: 'error' } });
    const decided = await call(h, 'POST', `/v1/review/${record(3).id}`, h.tokens.agronomist, {
      decision: 'label',
      label: 'Tomato___healthy',
    });
    expect(decided.status).toBe(200);
    expect(await (await suggestion(3)).json()).toMatchObject({ status: 'error' });
    expect(requests).toHaveLength(1);
    replies.push(message(goodAnswer));
    expect(await (await suggestion(3, true)).json()).toMatchObject({ status: 'ok' });
  });

  it('refuses answers that are not JSON, break the schema or name a label outside the taxonomy', async () => {
    replies.push(message('I think it is blight.'));
    expect(await (await suggestion(4)).json()).toMatchObject({ status: 'error', error: 'SuggestionError: answer contains no JSON object' });
    replies.push(message(JSON.stringify({ ...JSON.parse(goodAnswer), suggested_label: 'Tomato___Made_up' })));
    expect(await (await suggestion(4, true)).json()).toMatchObject({ error: expect.stringContaining('not in the taxonomy') });
    replies.push(message(JSON.stringify({ ...JSON.parse(goodAnswer), confidence: 'certain' })));
    expect(await (await suggestion(4, true)).json()).toMatchObject({ error: expect.stringContaining('confidence') });
    // The LLM never decides: a suggestion leaves the item unreviewed.
    const item = await (await call(h, 'GET', `/v1/review/${record(2).id}`, h.tokens.agronomist)).json();
    expect(item).toMatchObject({ review: null, suggestion: { status: 'ok' } });
  });
});

describe('parseAnswer', () => {
  it('reads a bare JSON answer', () => {
    expect(parseAnswer(goodAnswer, ['Tomato___Late_blight']).label).toBe('Tomato___Late_blight');
    expect(() => parseAnswer('{"suggested_label": ', ['x'])).toThrow(/no JSON object|not valid JSON/);
  });
});

describe('without ANTHROPIC_API_KEY', () => {
  it('reports suggestions as disabled', async () => {
    const h = await openHarness('sqlite');
    try {
      await call(h, 'POST', '/v1/feedback', h.tokens.device, { records: [record(9, { photoJpegBase64: TINY_JPEG_BASE64 })] });
      const res = await call(h, 'GET', `/v1/review/${record(9).id}/suggestion`, h.tokens.agronomist);
      expect(await res.json()).toEqual({ status: 'disabled', reason: 'ANTHROPIC_API_KEY is not set' });
    } finally {
      await h.close();
    }
  });
});
