import http from 'node:http';
import net from 'node:net';

export interface RawResponse {
  status: number;
  contentType: string | undefined;
  text: string;
}

export interface RawRequest {
  method?: string;
  /** Sent as is: the caller decides what is encoded and what is not. */
  path: string;
  /** An array value sends the header once per element. */
  headers?: Record<string, string | string[]>;
  body?: Buffer | string;
  /** Sends the body with Transfer-Encoding: chunked instead of a Content-Length. */
  chunked?: boolean;
}

// One keep-alive agent per file: thousands of requests without a connection each.
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

/**
 * One HTTP/1.1 request with full control over path, headers and body bytes,
 * which fetch does not give (it normalises paths and refuses odd headers).
 */
export function sendRaw(baseUrl: string, init: RawRequest): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const body = typeof init.body === 'string' ? Buffer.from(init.body, 'utf8') : init.body;
  const headers: Record<string, string | string[]> = { ...init.headers };
  if (body !== undefined && init.chunked !== true) headers['content-length'] = String(body.length);
  if (init.chunked === true) headers['transfer-encoding'] = 'chunked';
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: init.method ?? (body === undefined ? 'GET' : 'POST'),
        path: init.path,
        headers,
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', reject);
        incoming.on('end', () => {
          resolve({
            status: incoming.statusCode ?? 0,
            contentType: incoming.headers['content-type'],
            text: Buffer.concat(chunks).toString('utf8'),
          });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/**
 * Writes bytes straight to a socket and reads the answer until the server
 * closes or answers in full: for requests Node's own client refuses to send,
 * such as control characters in a header value.
 */
export function sendBytes(baseUrl: string, bytes: Buffer): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: url.hostname, port: Number(url.port) });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(parseResponse(Buffer.concat(chunks)));
    };
    // Written, not ended: a half-closed socket would stop the server from answering at all.
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (isComplete(Buffer.concat(chunks))) finish();
    });
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', (error) => {
      if (chunks.length > 0) finish();
      else if (!settled) {
        settled = true;
        reject(error);
      }
    });
  });
}

function splitHead(raw: Buffer): { head: string; body: Buffer } | undefined {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  return { head: raw.subarray(0, end).toString('latin1'), body: raw.subarray(end + 4) };
}

function headerOf(head: string, name: string): string | undefined {
  const line = head.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name}:`));
  return line?.slice(name.length + 1).trim();
}

function isComplete(raw: Buffer): boolean {
  const parts = splitHead(raw);
  if (parts === undefined) return false;
  const length = headerOf(parts.head, 'content-length');
  return length !== undefined && parts.body.length >= Number(length);
}

function parseResponse(raw: Buffer): RawResponse {
  const parts = splitHead(raw);
  if (parts === undefined) return { status: 0, contentType: undefined, text: raw.toString('utf8') };
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(parts.head)?.[1] ?? 0);
  return { status, contentType: headerOf(parts.head, 'content-type'), text: parts.body.toString('utf8') };
}

export function closeRawAgent(): void {
  agent.destroy();
}
