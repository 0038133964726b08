// The SQLite feedback writer's thread (see sqlite-writer.ts). Plain JavaScript: worker threads load it
// without a TypeScript loader, under tsx and vitest alike. Inserts the rows of each message in one
// transaction; messages already queued when it wakes up share that transaction (group commit), and
// if the group fails each message is retried on its own, so one bad batch cannot fail the others.
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { path, pragmas, sql } = workerData;
const db = new Database(path);
for (const pragma of pragmas) db.pragma(pragma);
const insert = db.prepare(sql);
/** One boolean per row: whether this insert stored it (false: the id was already there). */
const insertRows = (rows) => rows.map((row) => insert.run(row).changes === 1);
const single = db.transaction(insertRows);
const group = db.transaction((jobs) => jobs.map((job) => insertRows(job.rows)));

parentPort.on('message', (first) => {
  const jobs = [first];
  for (let queued = receiveMessageOnPort(parentPort); queued; queued = receiveMessageOnPort(parentPort)) jobs.push(queued.message);
  const close = jobs.some((job) => job.close);
  const inserts = jobs.filter((job) => !job.close);
  try {
    const results = group(inserts);
    for (const [i, job] of inserts.entries()) parentPort.postMessage({ id: job.id, inserted: results[i] });
  } catch {
    for (const job of inserts) {
      try {
        parentPort.postMessage({ id: job.id, inserted: single(job.rows) });
      } catch (error) {
        parentPort.postMessage({ id: job.id, error: String(error) });
      }
    }
  }
  if (close) {
    db.close();
    parentPort.close();
  }
});
