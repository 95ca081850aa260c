// HTTPS server on 127.0.0.1: serves the fake web.whatsapp.com page, the page's API (/__wa/*) and the
// control API for people and tests (/__sim/*). All state lives in SimPhone.
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { SimCertificate } from './cert.js';
import type { PageAssets } from './page-assets.js';
import { handleControl } from './control-api.js';
import { fail, optionalString, readJson, requireString, sendJson, sendText } from './json-http.js';
import { type PageEvent, type PageKeys, SimError, type SimPhone } from './phone.js';

export interface SimServer {
  readonly port: number;
  close(): Promise<void>;
}

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
        if (outcome.kind === 'error-result') return sendJson(res, 200, { result: outcome.result });
        if (outcome.answerAfterMs > 0) await new Promise((resolve) => setTimeout(resolve, outcome.answerAfterMs));
        return sendJson(res, 200, { t: outcome.message.at, acks: outcome.acks });
      }
      case 'POST /__wa/pairing-code': {
        const body = await readJson(req);
        const code = phone.requestPairingCode(requireString(body, 'staticKey'), requireString(body, 'phone'), body.notify !== false);
        return sendJson(res, 200, { code });
      }
      case 'POST /__wa/logout': {
        phone.unlinkFromPage(requireString(await readJson(req), 'token'));
        return sendJson(res, 200, { ok: true });
      }
      case 'POST /__wa/unknown-module': {
        phone.reportUnknownModule(requireString(await readJson(req), 'name'));
        return sendJson(res, 200, { ok: true });
      }
      default:
        if (await handleControl(route, req, res, phone)) return;
        throw new SimError(`wa-sim: nothing at ${route}`, 404);
    }
  }

  function openEventStream(url: URL, res: ServerResponse): void {
    if (phone.dropped && !phone.stallsReconnects) throw new SimError('wa-sim: connection dropped (dropConnection)', 503);
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
    let cancelWait: (() => void) | undefined;
    res.on('close', () => {
      clearInterval(heartbeat);
      cancelWait?.();
      if (id !== undefined) phone.disconnectPage(id);
    });
    const attach = (): void => {
      try {
        id = phone.connectPage(link, token, keys);
      } catch {
        link.end();
      }
    };
    // A stalled reconnect (dropConnection('OPENING')): the socket is open, so the page says OPENING, but
    // WhatsApp's side of the handshake waits for restoreConnection().
    if (phone.dropped) cancelWait = phone.onRestored(attach);
    else attach();
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
