// Feedback sync throughput: batches of 50 records POSTed over loopback to the API (SQLite, WAL),
// printed beside SQLite's own insert rate for the same rows in the same run.
//   npx tsx bench/sync/run.ts [--records 200000] [--seconds 20] [--concurrency 8] [--profile DIR (server CPU profiles, summarised)]
//     [--postgres [URL]]   (the same load again on PostgreSQL in the same run, printed beside SQLite; no URL: a throwaway
//                           server from scripts/postgres-test-server.sh, removed at the end)
//   npx tsx bench/sync/run.ts --overload [--connections 200] [--seconds 15] [--max-in-flight N]   (load shedding: overload.ts)
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { FeedbackRecord } from '@leafcheck/sync';
import SQLite from 'better-sqlite3';
import { openDb, SQLITE_PRAGMAS } from '../../apps/api/src/db/connect.ts';
import { FEEDBACK_INSERT_SQL, insertParams } from '../../apps/api/src/db/sqlite-writer.ts';
import { type Batch, postRequest, runLoad } from './load.ts';
import { runOverload, storedCount } from './overload.ts';
import { summariseProfiles } from './profile.ts';

const { values, positionals } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    seconds: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '8' },
    profile: { type: 'string' },
    overload: { type: 'boolean', default: false },
    connections: { type: 'string', default: '200' },
    'max-in-flight': { type: 'string' },
    postgres: { type: 'boolean', default: false },
  },
  allowPositionals: true,
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

/** CPU seconds (user + system) of a /proc stat file (Linux). */
function statCpu(file: string): number {
  const fields = readFileSync(file, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds of a whole process and of its main thread (the event loop), or null off Linux. */
function cpuSeconds(pid: number): { all: number; main: number } | null {
  try {
    return { all: statCpu(`/proc/${pid}/stat`), main: statCpu(`/proc/${pid}/task/${pid}/stat`) };
  } catch {
    return null;
  }
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/** SQLite alone: the same rows through the API's prepared INSERT on this thread, one transaction per 50 rows. */
async function rawSqlite(dir: string, name: string, records: FeedbackRecord[]): Promise<{ rate: number; p99: number }> {
  const path = join(dir, name);
  await (await openDb({ kind: 'sqlite', path })).close();
  const db = new SQLite(path);
  for (const pragma of SQLITE_PRAGMAS) db.pragma(pragma);
  const insert = db.prepare(FEEDBACK_INSERT_SQL);
  const batch = db.transaction((rows: FeedbackRecord[], receivedAt: string) => {
    for (const record of rows) insert.run(insertParams(record, 'tok', receivedAt));
  });
  const durations: number[] = [];
  const start = performance.now();
  for (let i = 0; i < records.length; i += BATCH) {
    const t0 = performance.now();
    batch(records.slice(i, i + BATCH), new Date().toISOString());
    durations.push(performance.now() - t0);
  }
  const seconds = (performance.now() - start) / 1000;
  db.close();
  durations.sort((a, b) => a - b);
  return { rate: records.length / seconds, p99: percentile(durations, 99) };
}

function startServer(
  dir: string,
  tokens = 1,
  databaseUrl?: string,
): Promise<{ child: ChildProcess; port: number; token: string; tokens: string[] }> {
  const profile = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] : [];
  const child = spawn(
    process.execPath,
    [
      ...profile,
      '--import',
      'tsx',
      join(import.meta.dirname, 'server.ts'),
      dir,
      String(tokens),
      ...(values['max-in-flight'] ? [values['max-in-flight']] : []),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: databaseUrl ? { ...process.env, BENCH_DATABASE_URL: databaseUrl } : process.env,
    },
  );
  return new Promise((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => {
      const { port, token, tokens } = JSON.parse(chunk.toString()) as { port: number; token: string; tokens: string[] };
      resolve({ child, port, token, tokens });
    });
    child.once('exit', (code) => reject(new Error(`bench server exited ${code}`)));
  });
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

const line = (k: string, v: string) => console.log(`${k.padEnd(42)}${v}`);

/** --overload: 200+ phones at once against the load-shedding bounds; every acked record checked in the database. */
async function overload() {
  const loadAtStart = load();
  const dir = mkdtempSync(join(tmpdir(), 'leafcheck-bench-overload-'));
  const salt = Math.floor(Math.random() * 1e6);
  const server = await startServer(dir, Number(values.connections));
  let result: Awaited<ReturnType<typeof runOverload>>;
  try {
    result = await runOverload({
      port: server.port,
      tokens: server.tokens,
      seconds: MAX_SECONDS,
      batch: BATCH,
      makeRecord: (n) => makeRecord(n, salt),
    });
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
  }
  const stored = storedCount(join(dir, 'bench.db'), result.ackedIds);
  rmSync(dir, { recursive: true, force: true });
  const answers = [...result.statuses.values()].reduce((a, b) => a + b, 0);
  const share = (status: number) => `${(((result.statuses.get(status) ?? 0) / answers) * 100).toFixed(1)}%`;
  const { accepted } = result;
  line('connections (one token each)', `${server.tokens.length}, batches of ${BATCH}, ${result.seconds.toFixed(1)} s`);
  line(
    'answers',
    `${answers}: 200 ${share(200)}, 429 ${share(429)}, 503 ${share(503)} (${JSON.stringify(Object.fromEntries(result.statuses))})`,
  );
  line('accepted records/s', (result.ackedIds.length / result.seconds).toFixed(0));
  line(
    'accepted latency p50 / p99 / max',
    `${percentile(accepted, 50).toFixed(1)} / ${percentile(accepted, 99).toFixed(1)} / ${(accepted.at(-1) ?? 0).toFixed(1)} ms`,
  );
  line('acked records in the database', `${stored} of ${result.ackedIds.length} (lost: ${result.ackedIds.length - stored})`);
  line('load average (1/5/15 min)', `${loadAtStart} at start, ${load()} at end`);
  if (stored !== result.ackedIds.length) process.exitCode = 1;
}

interface ApiRun {
  sent: number;
  accepted: number;
  requests: number;
  seconds: number;
  rate: number;
  latencies: number[];
  cpu: { all: number; main: number } | null;
  clientMs: number;
}

/** The API under the throughput load: 20 warm-up batches, then every batch until --records or --seconds. */
async function apiRun(dir: string, records: FeedbackRecord[], salt: number, databaseUrl?: string): Promise<ApiRun> {
  const server = await startServer(dir, 1, databaseUrl);
  try {
    // Fresh records in every batch; warm-up batches (JIT, page cache) use records of their own and are not counted.
    const toBatch = (batch: FeedbackRecord[]): Batch => ({
      request: postRequest(server.port, '/v1/feedback', server.token, JSON.stringify({ records: batch })),
      ids: batch.map((r) => r.id),
    });
    const batches: Batch[] = [];
    for (let i = 0; i < records.length; i += BATCH) batches.push(toBatch(records.slice(i, i + BATCH)));
    const warmRecords = (i: number) => Array.from({ length: BATCH }, (_, j) => makeRecord(MAX_RECORDS + i * BATCH + j, salt));
    const warm = Array.from({ length: 20 }, (_, i) => toBatch(warmRecords(i)));
    await runLoad(server.port, warm, 1, MAX_SECONDS);
    const cpuBefore = cpuSeconds(server.child.pid as number);
    const clientCpu = process.cpuUsage();
    const { latencies, accepted, seconds } = await runLoad(server.port, batches, CONCURRENCY, MAX_SECONDS);
    const cpuAfter = cpuSeconds(server.child.pid as number);
    const { user, system } = process.cpuUsage(clientCpu);
    const perBatch = (s: number) => (s * 1000) / latencies.length;
    return {
      sent: latencies.length * BATCH,
      accepted,
      requests: latencies.length,
      seconds,
      rate: accepted / seconds,
      latencies,
      cpu: cpuBefore && cpuAfter ? { all: perBatch(cpuAfter.all - cpuBefore.all), main: perBatch(cpuAfter.main - cpuBefore.main) } : null,
      clientMs: (user + system) / 1000 / latencies.length,
    };
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
  }
}

function printApiRun(name: string, run: ApiRun) {
  const { latencies } = run;
  line(`${name}: records sent / accepted`, `${run.sent} / ${run.accepted} (every ack checked: status, index, id)`);
  line(`${name}: requests (batches of 50)`, `${run.requests} in ${run.seconds.toFixed(2)} s, concurrency ${CONCURRENCY}`);
  line(`${name}: API records/s`, run.rate.toFixed(0));
  line(
    `${name}: latency p50 / p99 / max (ms)`,
    `${percentile(latencies, 50).toFixed(2)} / ${percentile(latencies, 99).toFixed(2)} / ${(latencies.at(-1) ?? 0).toFixed(2)}`,
  );
  if (run.cpu) {
    const { all, main } = run.cpu;
    line(
      `${name}: API server CPU per batch`,
      `${all.toFixed(2)} ms: event loop ${main.toFixed(2)} ms (=> ${((1000 / main) * BATCH).toFixed(0)} records/s per free core), other threads ${(all - main).toFixed(2)} ms`,
    );
  }
  line(`${name}: load generator CPU per batch`, `${run.clientMs.toFixed(2)} ms`);
}

/** A PostgreSQL URL for --postgres: the one given, else a throwaway server (stopped by the returned function). */
function postgresServer(): { url: string; stop: () => void } | null {
  if (!values.postgres) return null;
  const given = positionals[0] ?? process.env.BENCH_DATABASE_URL;
  if (given) return { url: given, stop: () => {} };
  const script = join(import.meta.dirname, '../../scripts/postgres-test-server.sh');
  const dir = mkdtempSync(join(tmpdir(), 'leafcheck-bench-pg-'));
  const url = execFileSync('bash', [script, 'start', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  return { url, stop: () => execFileSync('bash', [script, 'stop', dir], { stdio: 'inherit' }) };
}

async function main() {
  const loadAtStart = load();
  const dir = mkdtempSync(join(tmpdir(), 'leafcheck-bench-sync-'));
  const salt = Math.floor(Math.random() * 1e6);
  const records = Array.from({ length: MAX_RECORDS }, (_, i) => makeRecord(i, salt));
  const pg = postgresServer();
  try {
    // Raw SQLite runs before and after the API load; on a shared machine the two differ, and the mean is compared.
    const rawBefore = await rawSqlite(dir, 'raw-before.db', records.slice(0, Math.min(records.length, 50_000)));
    const sqlite = await apiRun(dir, records, salt);
    // PostgreSQL gets the same rows under other ids (a fresh salt), right after SQLite in the same run.
    const pgSalt = salt + 1;
    const pgRun = pg
      ? await apiRun(
          dir,
          records.map((_, i) => makeRecord(i, pgSalt)),
          pgSalt,
          pg.url,
        )
      : null;
    const rawAfter = await rawSqlite(dir, 'raw-after.db', records.slice(0, Math.min(sqlite.sent, 50_000)));
    const raw = (rawBefore.rate + rawAfter.rate) / 2;
    printApiRun('SQLite', sqlite);
    if (pgRun) printApiRun('PostgreSQL', pgRun);
    line(
      'SQLite raw insert records/s',
      `${raw.toFixed(0)} (before ${rawBefore.rate.toFixed(0)}, after ${rawAfter.rate.toFixed(0)}; same rows, the API's prepared INSERT on one thread, 50 per transaction)`,
    );
    line(
      'SQLite raw 50-row batch p99 (ms)',
      `${Math.max(rawBefore.p99, rawAfter.p99).toFixed(2)} (no HTTP, one thread: what SQLite's own stalls cost here)`,
    );
    line('API on SQLite / raw SQLite', `${(sqlite.rate / raw).toFixed(3)}`);
    if (pgRun) line('API on PostgreSQL / API on SQLite', `${(pgRun.rate / sqlite.rate).toFixed(3)} (records/s, same run)`);
    line('load average (1/5/15 min)', `${loadAtStart} at start, ${load()} at end`);
    for (const [name, run] of [
      ['SQLite', sqlite],
      ['PostgreSQL', pgRun],
    ] as const) {
      if (!run) continue;
      const met = run.rate >= 30_000 && percentile(run.latencies, 99) <= 50;
      line(`target (${name})`, `>= 30000 records/s and p99 <= 50 ms: ${met ? 'met' : 'NOT met'}`);
    }
  } finally {
    pg?.stop();
    if (values.profile) summariseProfiles(values.profile);
    rmSync(dir, { recursive: true, force: true });
  }
}

await (values.overload ? overload() : main());
