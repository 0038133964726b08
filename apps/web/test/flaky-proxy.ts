// A loopback HTTP proxy in front of the API that can "kill the API mid-batch": it forwards one
// POST /v1/feedback, lets the API store it, then stops the API and drops the client's connection
// before the acknowledgement arrives: the exact moment where a naive client would lose or duplicate.
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FlakyProxy {
  url: string;
  /** POST /v1/feedback requests seen (each attempt, including failed ones). */
  feedbackPosts: number;
  /** On the next feedback POST: forward it, then call `kill` and drop the connection. */
  killNextBatch(kill: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

export async function startFlakyProxy(targetPort: number): Promise<FlakyProxy> {
  let pendingKill: { kill: () => Promise<void>; done: () => void } | null = null;
  const state = { feedbackPosts: 0 };
  const server = createServer((req, res) => {
    const isBatch = req.method === 'POST' && req.url?.startsWith('/v1/feedback');
    if (isBatch) state.feedbackPosts += 1;
    const killer = isBatch ? pendingKill : null;
    if (killer) pendingKill = null;
    const upstream = request({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers }, (up) => {
      if (killer) {
        up.resume();
        up.on('end', () => {
          void killer.kill().then(() => {
            req.socket.destroy();
            killer.done();
          });
        });
        return;
      }
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'access-control-allow-origin': '*' });
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get feedbackPosts() {
      return state.feedbackPosts;
    },
    killNextBatch(kill) {
      return new Promise((done) => {
        pendingKill = { kill, done };
      });
    },
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
