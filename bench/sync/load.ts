// The load generator: HTTP/1.1 over keep-alive raw TCP sockets (as wrk does), one request in flight
// per connection, request bytes serialised before the clock starts. It still reads every response in
// full and checks every record's ack (status, index, id): anything but "accepted" for all throws.
import { connect, type Socket } from 'node:net';

export interface Batch {
  /** The whole HTTP request: head and JSON body. */
  request: Buffer;
  /** The ids of the batch's records, in order: what the acks must name. */
  ids: string[];
}

export function postRequest(port: number, path: string, token: string, body: string): Buffer {
  const bytes = Buffer.from(body, 'utf8');
  const head =
    `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nauthorization: Bearer ${token}\r\n` +
    `content-type: application/json\r\ncontent-length: ${bytes.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), bytes]);
}

interface Response {
  status: number;
  body: Buffer;
  /** The Retry-After header, if any. */
  retryAfter: string | null;
}

/** One keep-alive connection; `send` resolves with the next complete response (Content-Length framing). */
export class Connection {
  private chunks: Buffer[] = [];
  private waiting: { resolve: (r: Response) => void; reject: (e: Error) => void } | null = null;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.tryComplete();
    });
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('connection closed by the server')));
  }

  static open(port: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolve(new Connection(socket)));
      socket.once('error', reject);
    });
  }

  send(request: Buffer): Promise<Response> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(request);
    });
  }

  close(): void {
    this.waiting = null;
    this.socket.destroy();
  }

  private fail(error: Error): void {
    this.waiting?.reject(error);
    this.waiting = null;
  }

  private tryComplete(): void {
    const data = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    this.chunks = [data];
    const headEnd = data.indexOf('\r\n\r\n');
    if (headEnd < 0) return;
    const head = data.toString('latin1', 0, headEnd);
    const status = Number(head.slice(9, 12));
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!length) {
      this.fail(new Error(`response without Content-Length: ${head}`));
      return;
    }
    const end = headEnd + 4 + Number(length[1]);
    if (data.length < end) return;
    this.chunks = data.length > end ? [data.subarray(end)] : [];
    const waiting = this.waiting;
    this.waiting = null;
    const retryAfter = /\r\nretry-after: *([^\r\n]+)/i.exec(head)?.[1] ?? null;
    waiting?.resolve({ status, body: data.subarray(headEnd + 4, end), retryAfter });
  }
}

/** Number of records acked "accepted"; throws unless every record of the batch was, in order. */
export function countAccepted(response: Response, ids: string[]): number {
  const text = response.body.toString('utf8');
  if (response.status !== 200) throw new Error(`POST /v1/feedback answered ${response.status}: ${text.slice(0, 300)}`);
  const { results } = JSON.parse(text) as { results: Array<{ index: number; id: string | null; status: string }> };
  if (results.length !== ids.length) throw new Error(`${results.length} acks for ${ids.length} records`);
  results.forEach((ack, i) => {
    if (ack.index !== i || ack.id !== ids[i] || ack.status !== 'accepted') {
      throw new Error(`record ${i} (${ids[i]}) not accepted: ${JSON.stringify(ack)}`);
    }
  });
  return results.length;
}

export interface LoadResult {
  /** Milliseconds per request, write to last response byte, sorted. */
  latencies: number[];
  accepted: number;
  seconds: number;
}

/** Sends `batches` in order over `concurrency` connections until all are sent or `seconds` pass. */
export async function runLoad(port: number, batches: Batch[], concurrency: number, seconds: number): Promise<LoadResult> {
  const connections = await Promise.all(Array.from({ length: concurrency }, () => Connection.open(port)));
  const latencies: number[] = [];
  let next = 0;
  let accepted = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  try {
    await Promise.all(
      connections.map(async (connection) => {
        while (next < batches.length && performance.now() < deadline) {
          const batch = batches[next++] as Batch;
          const t0 = performance.now();
          const response = await connection.send(batch.request);
          latencies.push(performance.now() - t0);
          accepted += countAccepted(response, batch.ids);
        }
      }),
    );
  } finally {
    for (const connection of connections) connection.close();
  }
  return { latencies: latencies.sort((a, b) => a - b), accepted, seconds: (performance.now() - start) / 1000 };
}
