// The API's HTTP server: @hono/node-server with the answers Node gives before Hono sees a request made JSON.
// Node's parser refuses a malformed request (negative or mismatched Content-Length, Content-Length with chunked
// encoding, a bad chunk, an oversized header, a request timeout) with a bare status line and then closes the socket,
// which a client still sending sees as a connection reset. Here every such request gets a 4xx with a JSON body,
// and the socket is drained before it closes, so the client reads the answer instead of a reset.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { getRequestListener, RequestError } from '@hono/node-server';

/**
 * How long a client may take to send a whole request: Node's default, stated here because the 408 it leads to is
 * answered below. Not shorter: a phone on 2G (~6 KB/s) needs minutes for a 1 MB batch of photos.
 */
export const REQUEST_TIMEOUT_MS = 300_000;
/** How long a refused client's remaining bytes are read and dropped before its socket is closed. */
const DRAIN_MS = 2_000;

const STATUS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  431: 'Request Header Fields Too Large',
};

/** Status and farmer-neutral reason for an error of Node's HTTP parser. */
export function clientErrorAnswer(error: NodeJS.ErrnoException & { reason?: string }): { status: number; message: string } {
  const code = error.code ?? 'HPE_UNKNOWN';
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, message: `the request was not complete within ${REQUEST_TIMEOUT_MS} ms` };
  if (code === 'HPE_HEADER_OVERFLOW') return { status: 431, message: 'the request headers are too large' };
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return { status: 413, message: 'a chunk extension is too large' };
  return { status: 400, message: `malformed HTTP request (${code}${error.reason ? `: ${error.reason}` : ''})` };
}

function answerClientError(error: NodeJS.ErrnoException & { reason?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const { status, message } = clientErrorAnswer(error);
  const body = JSON.stringify({ error: 'bad-request', message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
  // Read and drop what the client is still sending: closing with unread bytes would reset the connection.
  socket.on('data', () => {});
  socket.resume();
  setTimeout(() => socket.destroy(), DRAIN_MS).unref();
}

/** A request @hono/node-server refused before the app saw it: 400 with a reason; anything else 500, logged. */
function requestErrorAnswer(error: unknown): Response {
  const json = (status: number, body: object) => Response.json(body, { status });
  if (error instanceof RequestError) return json(400, { error: 'bad-request', message: `malformed request: ${error.message}` });
  console.error('request failed before the app answered:', error);
  return json(500, { error: 'internal', message: 'internal error' });
}

export type ApiServer = Server<typeof IncomingMessage, typeof ServerResponse>;

/** Serves `fetch` on `hostname:port` with the answers above; `onListen` gets the bound address. */
export function serveApi(
  options: { fetch: (request: Request, env: unknown) => Response | Promise<Response>; port: number; hostname: string },
  onListen?: (info: AddressInfo) => void,
): ApiServer {
  // @hono/node-server answers a request it cannot turn into a URL (a backslash or a bad host) with a bare 400, and
  // serve() has no hook for it: the listener is built here with one.
  const listener = getRequestListener(options.fetch, { hostname: options.hostname, errorHandler: requestErrorAnswer });
  // requireHostHeader off: Node's own refusal of a request without Host is a bare 400; @hono/node-server then takes
  // the server's own hostname, so such a request is answered like any other.
  const server: ApiServer = createServer({ requireHostHeader: false }, listener);
  server.listen(options.port, options.hostname, () => onListen?.(server.address() as AddressInfo));
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  // A client may half-close after its request (RFC 9112 9.6): Node's default then aborts a response still being
  // produced (a streamed export, a batch waiting for its commit); with this it is finished first, then the socket closes.
  (server as ApiServer & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  server.on('clientError', answerClientError);
  return server;
}
