// Wire format of POST /v1/feedback: a batch of records in, one acknowledgement per record out.
// The envelope is validated first; each record is then validated on its own so one bad record
// is rejected with field errors while the rest of the batch is still accepted.
import { z } from 'zod';
import { type FeedbackRecord, feedbackRecord } from './feedback-record.ts';

/** Most records one request may carry; clients send 50 by default. */
export const MAX_BATCH_RECORDS = 100;

export const feedbackBatchRequest = z.object({
  records: z.array(z.unknown()).min(1).max(MAX_BATCH_RECORDS),
});
export type FeedbackBatchRequest = { records: FeedbackRecord[] };

export const fieldError = z.object({
  /** Dotted path inside the record, e.g. "verdict.correctedLabel"; "" for the record itself. */
  path: z.string(),
  message: z.string(),
});
export type FieldError = z.infer<typeof fieldError>;

export const recordAck = z.discriminatedUnion('status', [
  /** Stored now. */
  z.object({ index: z.number().int().min(0), id: z.string(), status: z.literal('accepted') }),
  /** Already stored by an earlier request (or earlier in this batch): safe to drop from the outbox. */
  z.object({ index: z.number().int().min(0), id: z.string(), status: z.literal('duplicate') }),
  /** Never storable as sent; retrying the same bytes cannot succeed. */
  z.object({
    index: z.number().int().min(0),
    id: z.string().nullable(),
    status: z.literal('rejected'),
    errors: z.array(fieldError).min(1),
  }),
]);
export type RecordAck = z.infer<typeof recordAck>;

export const feedbackBatchResponse = z.object({
  results: z.array(recordAck),
});
export type FeedbackBatchResponse = z.infer<typeof feedbackBatchResponse>;

/** Flattens zod issues into field errors with dotted paths. */
export function toFieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}

export type ParsedRecord = { index: number; ok: true; record: FeedbackRecord } | { index: number; ok: false; ack: RecordAck };

/** Validates each record of an envelope; the server stores the ok ones and returns the rest as rejected. */
export function parseBatchRecords(records: unknown[]): ParsedRecord[] {
  return records.map((raw, index) => {
    const parsed = feedbackRecord.safeParse(raw);
    if (parsed.success) return { index, ok: true, record: parsed.data };
    const id =
      typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string' ? (raw as { id: string }).id : null;
    return { index, ok: false, ack: { index, id, status: 'rejected', errors: toFieldErrors(parsed.error) } };
  });
}
