// Feedback sync throughput: batches of 50 records POSTed over loopback to the API (SQLite, WAL),
// printed beside SQLite's own insert rate for the same rows in the same run.
//   npx tsx bench/sync/run.ts [--records 200000] [--seconds 20] [--concurrency 8] [--profile DIR (server CPU profile)]
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { FeedbackRecord } from '@leafcheck/sync';
import { openDb } from '../../apps/api/src/db/connect.ts';
import { toRow } from '../../apps/api/src/db/feedback-store.ts';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    seconds: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '8' },
    profile: { type: 'string' },
  },
});
const MAX_RECORDS = Number(values.records);
const MAX_SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);
const BATCH = 50;

function uuidV7(n: number, salt: number): string {
  const t = (Date.now() + n).toString(16).padStart(12, '0');
  const r = (n * 2654435761 + salt).toString(16).padStart(15, '0').slice(-15);
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-7${r.slice(0, 3)}-8${r.slice(3, 6)}-${r.slice(6, 15)}abc`;
}

function makeRecord(n: number, salt: number): FeedbackRecord {
  const labels = ['Tomato___Late_blight', 'Tomato___Early_blight', 'Tomato___healthy'];
  return {
    id: uuidV7(n, salt),
    deviceId: `device-${(n % 500).toString().padStart(4, '0')}`,
    appVersion: '0.1.0',
    bundleVersion: '1.0.0',
    prediction: {
      kind: 'diagnosis',
      crop: 'Tomato',
      topK: labels.map((label, i) => ({ label, probability: [0.8, 0.15, 0.05][i] as number })),
    },
    verdict: n % 5 === 0 ? { kind: 'wrong', correctedLabel: 'Tomato___Early_blight' } : { kind: 'right' },
    note: n % 7 === 0 ? 'spots after rain' : undefined,
    location: { lat: 0.3, lon: 32.6 },
    diagnosedAt: new Date(1_790_000_000_000 + n * 1000).toISOString(),
    createdAt: new Date(1_790_000_000_000 + n * 1000 + 500).toISOString(),
  };
}

/** CPU seconds (user + system) a process has used, from /proc (Linux). */
function cpuSeconds(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/** SQLite alone: the same rows through a prepared INSERT, one transaction per 50 rows (like one request). */
async function rawSqlite(dir: string, name: string, records: FeedbackRecord[]): Promise<{ rate: number; p99: number }> {
  const opened = await openDb({ kind: 'sqlite', path: join(dir, name) });
  await opened.close();
  const SQLite = (await import('better-sqlite3')).default;
  const db = new SQLite(join(dir, name));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const sample = toRow(records[0] as FeedbackRecord, 'tok', new Date().toISOString());
  const cols = Object.keys(sample);
  const insert = db.prepare(
    `insert into feedback (${cols.join(',')}) values (${cols.map((c) => `@${c}`).join(',')}) on conflict(id) do nothing`,
  );
  const batch = db.transaction((rows: Array<Record<string, unknown>>) => {
    for (const row of rows) insert.run(row);
  });
  const receivedAt = new Date().toISOString();
  const durations: number[] = [];
  const start = performance.now();
  for (let i = 0; i < records.length; i += BATCH) {
    const t0 = performance.now();
    batch(records.slice(i, i + BATCH).map((r) => toRow(r, 'tok', receivedAt)) as never);
    durations.push(performance.now() - t0);
  }
  const seconds = (performance.now() - start) / 1000;
  db.close();
  durations.sort((a, b) => a - b);
  return { rate: records.length / seconds, p99: percentile(durations, 99) };
}

/** node:http with keep-alive: a lighter client than fetch, so the generator steals less CPU from the server. */
function post(agent: Agent, port: number, token: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        path: '/v1/feedback',
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function startServer(dir: string): Promise<{ child: ChildProcess; port: number; token: string }> {
  const profile = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', join(import.meta.dirname, 'server.ts'), dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => {
      const { port, token } = JSON.parse(chunk.toString()) as { port: number; token: string };
      resolve({ child, port, token });
    });
    child.once('exit', (code) => reject(new Error(`bench server exited ${code}`)));
  });
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'leafcheck-bench-sync-'));
  const salt = Math.floor(Math.random() * 1e6);
  const records = Array.from({ length: MAX_RECORDS }, (_, i) => makeRecord(i, salt));
  const bodies: string[] = [];
  for (let i = 0; i < records.length; i += BATCH) bodies.push(JSON.stringify({ records: records.slice(i, i + BATCH) }));
  // Raw SQLite runs before and after the API load; on a shared machine the two differ, and the mean is compared.
  const rawBefore = await rawSqlite(dir, 'raw-before.db', records.slice(0, Math.min(records.length, 50_000)));
  const server = await startServer(dir);
  try {
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    // Warm-up on separate records (JIT, SQLite page cache), not counted.
    for (let i = 0; i < 20; i++) {
      const warm = Array.from({ length: BATCH }, (_, j) => makeRecord(MAX_RECORDS + i * BATCH + j, salt));
      await post(agent, server.port, server.token, JSON.stringify({ records: warm }));
    }
    const latencies: number[] = [];
    let next = 0;
    let accepted = 0;
    let failures = 0;
    const cpuBefore = cpuSeconds(server.child.pid as number);
    const deadline = performance.now() + MAX_SECONDS * 1000;
    const start = performance.now();
    const worker = async () => {
      while (next < bodies.length && performance.now() < deadline) {
        const body = bodies[next++] as string;
        const t0 = performance.now();
        const res = await post(agent, server.port, server.token, body);
        latencies.push(performance.now() - t0);
        if (res.status !== 200) failures += 1;
        else
          accepted += ((JSON.parse(res.text) as { results: Array<{ status: string }> }).results ?? []).filter(
            (r) => r.status === 'accepted',
          ).length;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    agent.destroy();
    const seconds = (performance.now() - start) / 1000;
    const cpuAfter = cpuSeconds(server.child.pid as number);
    const sent = latencies.length * BATCH;
    latencies.sort((a, b) => a - b);
    const apiRate = accepted / seconds;
    const rawAfter = await rawSqlite(dir, 'raw-after.db', records.slice(0, Math.min(sent, 50_000)));
    const raw = (rawBefore.rate + rawAfter.rate) / 2;
    const line = (k: string, v: string) => console.log(`${k.padEnd(34)}${v}`);
    line('records sent / accepted', `${sent} / ${accepted} (${failures} failed requests)`);
    line('requests (batches of 50)', `${latencies.length} in ${seconds.toFixed(2)} s, concurrency ${CONCURRENCY}`);
    line('API records/s', apiRate.toFixed(0));
    line(
      'latency p50 / p99 / max (ms)',
      `${percentile(latencies, 50).toFixed(2)} / ${percentile(latencies, 99).toFixed(2)} / ${(latencies.at(-1) ?? 0).toFixed(2)}`,
    );
    if (cpuBefore !== null && cpuAfter !== null) {
      const perBatch = ((cpuAfter - cpuBefore) * 1000) / latencies.length;
      line('API server CPU per batch', `${perBatch.toFixed(2)} ms (=> ${((1000 / perBatch) * BATCH).toFixed(0)} records/s per free core)`);
    }
    line(
      'SQLite raw insert records/s',
      `${raw.toFixed(0)} (before ${rawBefore.rate.toFixed(0)}, after ${rawAfter.rate.toFixed(0)}; same rows, prepared INSERT, 50 per transaction)`,
    );
    line(
      'SQLite raw 50-row batch p99 (ms)',
      `${Math.max(rawBefore.p99, rawAfter.p99).toFixed(2)} (no HTTP at all: the floor for the API's p99 on this machine now)`,
    );
    line('API / raw SQLite', `${(apiRate / raw).toFixed(3)}`);
    line('target', `>= 30000 records/s and p99 <= 50 ms: ${apiRate >= 30_000 && percentile(latencies, 99) <= 50 ? 'met' : 'NOT met'}`);
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
