// A local server speaking the part of the Hugging Face Hub HTTP API that uploads and reads a model
// repo: preupload, LFS batch (basic transfer) + PUT, NDJSON commit, tree listing, resolve.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HubMock {
  url: string;
  files: Map<string, Buffer>;
  commits: Array<{ summary: string; paths: string[] }>;
  requests: string[];
  close(): Promise<void>;
}

const body = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });

export async function startHubMock(repo: string, token: string): Promise<HubMock> {
  const files = new Map<string, Buffer>();
  const lfs = new Map<string, Buffer>();
  const commits: HubMock['commits'] = [];
  const requests: string[] = [];
  let base = '';
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', base);
    requests.push(`${req.method} ${url.pathname}`);
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    const authorized = req.headers.authorization === `Bearer ${token}`;
    const data = await body(req);
    if (url.pathname.startsWith('/lfs-upload/') && req.method === 'PUT') {
      const oid = url.pathname.split('/').pop() as string;
      if (createHash('sha256').update(data).digest('hex') !== oid) return json(400, { error: 'sha256 mismatch' });
      lfs.set(oid, data);
      return json(200, {});
    }
    if (!authorized) return json(401, { error: 'Invalid credentials in Authorization header' });
    if (req.method === 'POST' && url.pathname === `/api/models/${repo}/preupload/main`) {
      const { files: wanted } = JSON.parse(data.toString()) as { files: Array<{ path: string }> };
      return json(200, {
        files: wanted.map((f) => ({ path: f.path, uploadMode: f.path.endsWith('.onnx') ? 'lfs' : 'regular', shouldIgnore: false })),
      });
    }
    if (req.method === 'POST' && url.pathname === `/${repo}.git/info/lfs/objects/batch`) {
      const { objects } = JSON.parse(data.toString()) as { objects: Array<{ oid: string; size: number }> };
      return json(200, {
        transfer: 'basic',
        objects: objects.map((o) => (lfs.has(o.oid) ? { ...o } : { ...o, actions: { upload: { href: `${base}/lfs-upload/${o.oid}` } } })),
      });
    }
    if (req.method === 'POST' && url.pathname === `/api/models/${repo}/commit/main`) {
      const lines = data
        .toString()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { key: string; value: Record<string, string> });
      const paths: string[] = [];
      for (const { key, value } of lines) {
        if (key === 'file') files.set(value.path as string, Buffer.from(value.content as string, 'base64'));
        else if (key === 'lfsFile') {
          const blob = lfs.get(value.oid as string);
          if (!blob) return json(400, { error: `LFS object ${value.oid} was not uploaded` });
          files.set(value.path as string, blob);
        } else continue;
        paths.push(value.path as string);
      }
      commits.push({ summary: String(lines[0]?.value.summary), paths });
      return json(200, { commitOid: 'c0ffee'.padEnd(40, '0'), commitUrl: `${base}/${repo}/commit/c0ffee` });
    }
    if (req.method === 'GET' && url.pathname === `/api/models/${repo}/tree/main`) {
      const top = new Map<string, { type: string; path: string; size: number }>();
      for (const [path, bytes] of files) {
        const [first, ...rest] = path.split('/');
        top.set(
          first as string,
          rest.length > 0 ? { type: 'directory', path: first as string, size: 0 } : { type: 'file', path, size: bytes.length },
        );
      }
      return json(200, [...top.values()]);
    }
    const resolve = `/${repo}/resolve/main/`;
    if (req.method === 'GET' && url.pathname.startsWith(resolve)) {
      const path = decodeURIComponent(url.pathname.slice(resolve.length));
      const bytes = files.get(path);
      if (!bytes) return json(404, { error: 'Entry not found' });
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      return res.end(bytes);
    }
    return json(404, { error: `mock has no route ${req.method} ${url.pathname}` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: base, files, commits, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
