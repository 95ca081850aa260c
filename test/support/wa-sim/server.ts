// HTTPS server on 127.0.0.1: serves the fake web.whatsapp.com page, the page's API (/__wa/*) and the
// control API for people and tests (/__sim/*). All state lives in SimPhone.
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { SimCertificate } from './cert.js';
import type { PageAssets } from './page-assets.js';
import { type PageEvent, type PageKeys, SimError, type SimPhone } from './phone.js';

export interface SimServer {
  readonly port: number;
  close(): Promise<void>;
}

type JsonBody = Record<string, unknown>;

const MAX_BODY_BYTES = 1024 * 1024;
const HEARTBEAT_MS = 15_000;

export async function startSimServer(cert: SimCertificate, phone: SimPhone, assets: PageAssets): Promise<SimServer> {
  const sockets = new Set<Socket>();
  const server = https.createServer({ key: cert.keyPem, cert: cert.certPem }, (req, res) => {
    handle(req, res).catch((err: unknown) => fail(res, err));
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://web.whatsapp.com');
    const method = req.method ?? 'GET';
    const route = `${method} ${url.pathname.replace(/\/+$/, '') || '/'}`;

    switch (route) {
      // ---- the page ----
      case 'GET /':
      case 'GET /index.html':
        return sendText(res, 'text/html; charset=utf-8', assets.indexHtml);
      case 'GET /__wa/wa-web.js':
        return sendText(res, 'application/javascript; charset=utf-8', assets.script);
      case 'GET /favicon.ico':
        res.writeHead(204).end();
        return;
      case 'GET /__wa/events':
        return openEventStream(url, res);
      case 'POST /__wa/query': {
        const body = await readJson(req);
        return sendJson(res, 200, phone.lookup(optionalString(body, 'token'), requireString(body, 'number')));
      }
      case 'POST /__wa/send': {
        const body = await readJson(req);
        const outcome = phone.send(
          optionalString(body, 'token'),
          requireString(body, 'to'),
          requireString(body, 'body'),
          requireString(body, 'id'),
        );
        if (outcome.kind === 'hang') return; // never answered; close() destroys the socket
        if (outcome.kind === 'failed') return sendJson(res, 500, { error: outcome.reason });
        if (outcome.answerAfterMs > 0) await new Promise((resolve) => setTimeout(resolve, outcome.answerAfterMs));
        return sendJson(res, 200, { t: outcome.message.at });
      }
      case 'POST /__wa/logout': {
        phone.unlinkFromPage(requireString(await readJson(req), 'token'));
        return sendJson(res, 200, { ok: true });
      }
      case 'POST /__wa/unknown-module': {
        phone.reportUnknownModule(requireString(await readJson(req), 'name'));
        return sendJson(res, 200, { ok: true });
      }

      // ---- control API ----
      case 'GET /__sim':
      case 'GET /__sim/state':
        return sendJson(res, 200, { ...phone.status(), unknownModules: phone.unknownModules() });
      case 'GET /__sim/qr':
        return sendJson(res, 200, { qr: phone.currentQr() ?? null });
      case 'POST /__sim/scan':
        phone.scan(requireString(await readJson(req), 'qr'));
        return sendJson(res, 200, { ok: true, linkedDevices: phone.linkedDevices() });
      case 'GET /__sim/messages':
        return sendJson(res, 200, phone.sentMessages());
      case 'POST /__sim/fail-next-send':
        phone.failNextSend(optionalString(await readJson(req), 'reason'));
        return sendJson(res, 200, { ok: true });
      case 'POST /__sim/hang-next-send':
        phone.hangNextSend();
        return sendJson(res, 200, { ok: true });
      case 'POST /__sim/unregistered':
        phone.markUnregistered(requireString(await readJson(req), 'number'));
        return sendJson(res, 200, { ok: true });
      case 'POST /__sim/map': {
        const body = await readJson(req);
        phone.mapNumber(requireString(body, 'input'), requireString(body, 'canonical'));
        return sendJson(res, 200, { ok: true });
      }
      case 'POST /__sim/logout':
        phone.phoneLogout();
        return sendJson(res, 200, { ok: true });
      case 'POST /__sim/drop':
        phone.drop();
        return sendJson(res, 200, { ok: true });
      case 'POST /__sim/restore':
        phone.restore();
        return sendJson(res, 200, { ok: true });
      case 'GET /__sim/unknown-modules':
        return sendJson(res, 200, phone.unknownModules());
      default:
        throw new SimError(`wa-sim: nothing at ${route}`, 404);
    }
  }

  function openEventStream(url: URL, res: ServerResponse): void {
    if (phone.dropped) throw new SimError('wa-sim: connection dropped (dropConnection)', 503);
    const param = (name: string): string => {
      const value = url.searchParams.get(name);
      if (!value) throw new SimError(`wa-sim: missing query parameter '${name}'`, 400);
      return value;
    };
    const keys: PageKeys = {
      staticKey: param('staticKey'),
      identityKey: param('identityKey'),
      advSecret: param('advSecret'),
      platform: param('platform'),
    };
    const token = url.searchParams.get('token') ?? undefined;
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.write(':wa-sim\n\n');
    const link = {
      push(event: PageEvent): void {
        if (!res.writableEnded) res.write(`data: ${JSON.stringify(event)}\n\n`);
      },
      end(): void {
        if (!res.writableEnded) res.end();
      },
    };
    const heartbeat = setInterval(() => {
      if (!res.writableEnded) res.write(':\n\n');
    }, HEARTBEAT_MS);
    let id: number | undefined;
    res.on('close', () => {
      clearInterval(heartbeat);
      if (id !== undefined) phone.disconnectPage(id);
    });
    try {
      id = phone.connectPage(link, token, keys);
    } catch {
      link.end();
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  return {
    port,
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

function sendText(res: ServerResponse, contentType: string, body: string): void {
  res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

function fail(res: ServerResponse, err: unknown): void {
  const status = err instanceof SimError ? err.status : 500;
  const message = err instanceof Error ? err.message : String(err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, status, { error: message });
}

async function readJson(req: IncomingMessage): Promise<JsonBody> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new SimError('wa-sim: request body too large', 413);
    chunks.push(buf);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SimError('wa-sim: request body is not JSON', 400);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SimError('wa-sim: request body must be a JSON object', 400);
  }
  return parsed as JsonBody;
}

function optionalString(body: JsonBody, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new SimError(`wa-sim: '${name}' must be a string`, 400);
  return value;
}

function requireString(body: JsonBody, name: string): string {
  const value = optionalString(body, name);
  if (value === undefined) throw new SimError(`wa-sim: '${name}' is required`, 400);
  return value;
}
