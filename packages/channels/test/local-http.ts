import { createServer, type IncomingMessage, type IncomingHttpHeaders } from 'node:http';

/**
 * A provider's API on 127.0.0.1 (port 0) for the tests: each request is read whole and handed
 * to `answer`, which says what to reply. A `hold` answer is not sent for `ms` (a slow provider);
 * close() ends every connection, held ones too, so a test never waits on it.
 */

export interface LocalRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly raw: string;
}

export interface LocalAnswer {
  readonly status: number;
  readonly json?: unknown;
  readonly headers?: Record<string, string>;
  /** Wait this long before answering. */
  readonly holdMs?: number;
}

export interface LocalHttp {
  readonly url: string;
  readonly requests: LocalRequest[];
  close(): Promise<void>;
}

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (chunk: Buffer) => parts.push(chunk));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startLocalHttp(answer: (req: LocalRequest) => LocalAnswer): Promise<LocalHttp> {
  const requests: LocalRequest[] = [];
  const held = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    void readAll(req).then((raw) => {
      const request: LocalRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, raw };
      requests.push(request);
      const reply = answer(request);
      const send = () => {
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(reply.json === undefined ? '' : JSON.stringify(reply.json));
      };
      if (!reply.holdMs) return send();
      const timer = setTimeout(() => {
        held.delete(timer);
        send();
      }, reply.holdMs);
      held.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of held) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 where nothing listens (taken, then let go). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
