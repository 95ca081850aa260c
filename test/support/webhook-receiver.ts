// A webhook receiver on 127.0.0.1 for tests: keeps every POST (raw body, headers), answers as scripted, and
// can go down and come back up on the same port.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  readonly raw: string;
  readonly body: Record<string, unknown>;
  readonly headers: http.IncomingHttpHeaders;
  readonly at: number;
}

// What to answer to a request: a status (and headers), or 'hang' (never answer).
export type Answer = { status: number; headers?: Record<string, string> } | 'hang';

export interface WebhookReceiver {
  readonly url: string;
  readonly received: Received[];
  // Decides the answer to each request; 204 by default.
  respond: (request: Received, index: number) => Answer;
  // Stops listening (connections refused) / listens again on the same port.
  down(): Promise<void>;
  up(): Promise<void>;
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: Received[] = [];
  const hanging = new Set<http.ServerResponse>();
  let server: http.Server | undefined;
  let port = 0;
  const receiver: WebhookReceiver = {
    url: '',
    received,
    respond: () => ({ status: 204 }),
    async down() {
      const closing = server;
      server = undefined;
      if (!closing) return;
      for (const response of hanging) response.destroy();
      hanging.clear();
      closing.closeAllConnections();
      await new Promise<void>((resolve) => closing.close(() => resolve()));
    },
    async up() {
      if (server) return;
      const listening = http.createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          let body: Record<string, unknown> = {};
          try {
            body = JSON.parse(raw) as Record<string, unknown>;
          } catch {
            // Kept raw: the test says what it expected.
          }
          const entry: Received = { raw, body, headers: request.headers, at: Date.now() };
          const answer = receiver.respond(entry, received.length);
          received.push(entry);
          if (answer === 'hang') {
            hanging.add(response);
            return;
          }
          response.writeHead(answer.status, answer.headers ?? {}).end();
        });
      });
      await new Promise<void>((resolve) => listening.listen(port, '127.0.0.1', resolve));
      port = (listening.address() as AddressInfo).port;
      server = listening;
    },
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`The receiver got ${received.length} webhooks, expected ${count}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return received.slice(0, count);
    },
    close: () => receiver.down(),
  };
  await receiver.up();
  Object.assign(receiver, { url: `http://127.0.0.1:${port}/hooks/wa` });
  return receiver;
}
