// POST /v1/feedback (devices) and GET /v1/feedback/stats.
import { createRoute, z } from '@hono/zod-openapi';
import {
  type FeedbackRecord,
  feedbackBatchResponse,
  feedbackRecord,
  MAX_BATCH_RECORDS,
  parseBatchRecords,
  type RecordAck,
} from '@leafcheck/sync';
import type { Api, RouteContext } from '../context.ts';
import { checkPhoto } from '../photos/jpeg.ts';
import { authResponses, security, validationError } from '../schemas.ts';

// Built from the OpenAPI-extended z: schemas imported from @leafcheck/sync may predate that extension,
// so they are used as they are (or registered) and never get .openapi() called on them.
const batchBody = z.object({
  records: z.array(z.unknown()).min(1).max(MAX_BATCH_RECORDS).openapi({
    description: 'FeedbackRecord objects (see components.schemas.FeedbackRecord); each is validated on its own and acknowledged by index',
  }),
});

const counts = z.object({ right: z.number().int(), wrong: z.number().int(), notSure: z.number().int(), total: z.number().int() });
const statsResponse = z
  .object({
    rows: z.array(counts.extend({ bundleVersion: z.string(), label: z.string() })),
    byBundle: z.array(counts.extend({ bundleVersion: z.string() })),
    byClass: z.array(counts.extend({ label: z.string() })),
  })
  .openapi('FeedbackStats');

const postFeedback = (ctx: RouteContext) =>
  createRoute({
    method: 'post',
    path: '/v1/feedback',
    tags: ['feedback'],
    summary: 'Send a batch of feedback records; idempotent by record id',
    security,
    middleware: [ctx.auth('device')] as const,
    request: { body: { required: true, content: { 'application/json': { schema: batchBody } } } },
    responses: {
      200: {
        description: 'one ack per record',
        content: { 'application/json': { schema: feedbackBatchResponse } },
      },
      400: { description: 'the envelope is invalid', content: { 'application/json': { schema: validationError } } },
      413: { description: 'body too large: send fewer records' },
      ...authResponses,
    },
  });

const getStats = (ctx: RouteContext) =>
  createRoute({
    method: 'get',
    path: '/v1/feedback/stats',
    tags: ['feedback'],
    summary: 'Farmer verdicts per predicted class and per bundle version',
    security,
    middleware: [ctx.auth('agronomist', 'maintainer')] as const,
    responses: { 200: { description: 'counts', content: { 'application/json': { schema: statsResponse } } }, ...authResponses },
  });

function sum<K extends string>(rows: Array<z.infer<typeof counts> & Record<K, string>>, key: K) {
  const out = new Map<string, z.infer<typeof counts> & Record<K, string>>();
  for (const row of rows) {
    const entry =
      out.get(row[key]) ?? ({ [key]: row[key], right: 0, wrong: 0, notSure: 0, total: 0 } as z.infer<typeof counts> & Record<K, string>);
    entry.right += row.right;
    entry.wrong += row.wrong;
    entry.notSure += row.notSure;
    entry.total += row.total;
    out.set(row[key], entry);
  }
  return [...out.values()].sort((a, b) => a[key].localeCompare(b[key]));
}

export function registerFeedback(app: Api, ctx: RouteContext) {
  // clone(): zod 4 copies prototype methods at construction, so schemas made before
  // @hono/zod-openapi loaded lack .openapi(); a clone made now has it.
  app.openAPIRegistry.register('FeedbackRecord', feedbackRecord.clone());
  app.openAPIRegistry.register('FeedbackBatchResponse', feedbackBatchResponse.clone());
  const { storage, photos } = ctx.deps;

  app.openapi(postFeedback(ctx), async (c) => {
    const { records } = c.req.valid('json');
    const acks: RecordAck[] = [];
    const seen = new Set<string>();
    const candidates: Array<{ index: number; record: FeedbackRecord; photo: Uint8Array | null }> = [];
    for (const parsed of parseBatchRecords(records)) {
      if (!parsed.ok) {
        acks.push(parsed.ack);
        continue;
      }
      const { record, index } = parsed;
      if (seen.has(record.id)) {
        acks.push({ index, id: record.id, status: 'duplicate' });
        continue;
      }
      let photo: Uint8Array | null = null;
      if (record.photoJpegBase64 !== undefined) {
        const checked = checkPhoto(record.photoJpegBase64, ctx.config.maxPhotoSide);
        if (!checked.ok) {
          acks.push({ index, id: record.id, status: 'rejected', errors: [{ path: 'photoJpegBase64', message: checked.reason }] });
          continue;
        }
        photo = checked.bytes;
      }
      seen.add(record.id);
      candidates.push({ index, record, photo });
    }
    // Photos first: a row never points at a photo that is not stored yet. A crash in between
    // leaves an orphan photo that the client's retry overwrites. Only photo records need the
    // existence check (to skip rewriting a duplicate's photo); the insert itself ignores duplicates.
    const withPhoto = candidates.filter((x) => x.photo !== null);
    const existing = await storage.feedback.existing(withPhoto.map((x) => x.record.id));
    await Promise.all(withPhoto.filter((x) => !existing.has(x.record.id)).map((x) => photos.put(x.record.id, x.photo as Uint8Array)));
    const inserted = await storage.feedback.insert(
      candidates.filter((x) => !existing.has(x.record.id)).map((x) => x.record),
      c.get('token').id,
      ctx.now().toISOString(),
    );
    for (const { index, record } of candidates) {
      acks.push({ index, id: record.id, status: inserted.has(record.id) ? 'accepted' : 'duplicate' });
    }
    acks.sort((a, b) => a.index - b.index);
    return c.json({ results: acks }, 200);
  });

  app.openapi(getStats(ctx), async (c) => {
    const rows = await storage.feedback.stats();
    return c.json({ rows, byBundle: sum(rows, 'bundleVersion'), byClass: sum(rows, 'label') }, 200);
  });
}
