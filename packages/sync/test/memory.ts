// In-memory outbox and an idempotent model server for engine tests. The real server's
// idempotency (INSERT ... ON CONFLICT DO NOTHING) is tested in apps/api against SQLite/PostgreSQL.
import type { OutboxStore } from '../src/engine.ts';
import type { FeedbackRecord } from '../src/feedback-record.ts';
import type { FeedbackBatchResponse, FieldError } from '../src/protocol.ts';

export class MemoryOutbox implements OutboxStore {
  readonly pending = new Map<string, FeedbackRecord>();
  readonly rejected = new Map<string, FieldError[]>();
  /** Called before each removal, so a test can assert the server already has the record. */
  onRemove: (ids: string[]) => void = () => {};

  put(record: FeedbackRecord): void {
    if (!this.rejected.has(record.id)) this.pending.set(record.id, record);
  }
  async list(limit: number): Promise<FeedbackRecord[]> {
    return [...this.pending.values()].slice(0, limit);
  }
  async remove(ids: string[]): Promise<void> {
    this.onRemove(ids);
    for (const id of ids) this.pending.delete(id);
  }
  async markRejected(id: string, errors: FieldError[]): Promise<void> {
    this.pending.delete(id);
    this.rejected.set(id, errors);
  }
}

/** The durable part of a server: survives "restarts". */
export class ModelServer {
  readonly stored = new Map<string, FeedbackRecord>();
  readonly inserts = new Map<string, number>();

  /** Commits records up to `commitLimit` (a crash after that many), then builds the response. */
  apply(records: FeedbackRecord[], commitLimit = Number.POSITIVE_INFINITY): FeedbackBatchResponse {
    const results: FeedbackBatchResponse['results'] = [];
    records.forEach((record, index) => {
      if (index >= commitLimit) return;
      if (this.stored.has(record.id)) {
        results.push({ index, id: record.id, status: 'duplicate' });
      } else {
        this.stored.set(record.id, record);
        this.inserts.set(record.id, (this.inserts.get(record.id) ?? 0) + 1);
        results.push({ index, id: record.id, status: 'accepted' });
      }
    });
    return { results };
  }
}
