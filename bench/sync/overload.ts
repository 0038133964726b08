// Overload mode of bench:sync: far more phones than the API can serve at once (200+ keep-alive connections, one
// device token each, batches of 50). Every phone does what the PWA's sync engine does: on 429/503 it waits out
// Retry-After with the engine's own jitter (retryAfterDelay) and sends the same batch again. Prints the share of
// 429/503 answers, the latency of the accepted requests, and checks in the database that every acked record is there.
import { setTimeout as sleep } from 'node:timers/promises';
import { type FeedbackRecord, parseRetryAfter, retryAfterDelay } from '@leafcheck/sync';
import SQLite from 'better-sqlite3';
import { Connection, countAccepted, postRequest } from './load.ts';

export interface OverloadResult {
  statuses: Map<number, number>;
  /** Milliseconds per accepted (200) request, sorted. */
  accepted: number[];
  ackedIds: string[];
  seconds: number;
}

export async function runOverload(options: {
  port: number;
  tokens: string[];
  seconds: number;
  batch: number;
  makeRecord: (n: number) => FeedbackRecord;
}): Promise<OverloadResult> {
  const { port, tokens, seconds, batch } = options;
  const connections = await Promise.all(tokens.map(() => Connection.open(port)));
  const statuses = new Map<number, number>();
  const accepted: number[] = [];
  const ackedIds: string[] = [];
  let next = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  try {
    await Promise.all(
      connections.map(async (connection, i) => {
        // Phones do not start in the same millisecond.
        await sleep(Math.random() * 200);
        while (performance.now() < deadline) {
          const records = Array.from({ length: batch }, () => options.makeRecord(next++));
          const request = postRequest(port, '/v1/feedback', tokens[i] as string, JSON.stringify({ records }));
          const ids = records.map((r) => r.id);
          for (;;) {
            const t0 = performance.now();
            const response = await connection.send(request);
            statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
            if (response.status === 429 || response.status === 503) {
              const retryAfter = parseRetryAfter(response.retryAfter, Date.now()) ?? 1000;
              await sleep(retryAfterDelay(retryAfter, 0, Math.random));
              continue;
            }
            countAccepted(response, ids); // throws unless every record was acked accepted
            accepted.push(performance.now() - t0);
            ackedIds.push(...ids);
            break;
          }
        }
      }),
    );
  } finally {
    for (const connection of connections) connection.close();
  }
  return { statuses, accepted: accepted.sort((a, b) => a - b), ackedIds, seconds: (performance.now() - start) / 1000 };
}

/** How many of `ids` the API's SQLite file holds (read after the server has stopped). */
export function storedCount(dbPath: string, ids: string[]): number {
  const db = new SQLite(dbPath, { readonly: true });
  try {
    const stored = new Set((db.prepare('select id from feedback').all() as Array<{ id: string }>).map((r) => r.id));
    return ids.filter((id) => stored.has(id)).length;
  } finally {
    db.close();
  }
}
