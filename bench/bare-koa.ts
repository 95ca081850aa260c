// The baseline: a bare Koa server answering the benchmarked routes with the same bytes as the service
// (same JSON, same headers) and nothing else: no access log, no auth, no validation, no worker. It builds
// each answer the plain Koa way, an object per request, and routes with @koa/router as Koa apps
// usually do (BARE_KOA_ROUTER=0: no router at all, the floor). Run as its own process by bench/support/bare-koa-process.ts;
// BARE_KOA_SNAPSHOT is the service's GET /status answer, whose session fields it repeats. Prints its port.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import Koa, { type Middleware } from 'koa';
import bodyParser from 'koa-bodyparser';

interface StatusAnswer {
  cliente_id: number;
  state: string;
  since: string;
  last_disconnect_reason: string | null;
  last_restore: unknown;
  worker: Record<string, unknown>;
}

function readSnapshot(): StatusAnswer {
  const raw = process.env.BARE_KOA_SNAPSHOT;
  if (raw === undefined) throw new Error('bare Koa needs BARE_KOA_SNAPSHOT: the service\'s GET /status answer, as JSON');
  return JSON.parse(raw) as StatusAnswer;
}

const snapshot = readSnapshot();
const app = new Koa();
let sent = 0;

const health: Middleware = (ctx) => {
  ctx.body = {
    status: 'healthy',
    service: 'session-manager',
    cliente_id: snapshot.cliente_id,
    whatsapp_state: snapshot.state,
    timestamp: new Date().toISOString(),
    since: snapshot.since,
    last_disconnect_reason: snapshot.last_disconnect_reason,
    last_restore: snapshot.last_restore,
    worker: snapshot.worker,
    // The service's webhook backlog; the benchmarked service runs without webhooks.
    webhook: null,
    // The tenant's files, writable.
    storage: { writable: true, error: null },
  };
};

const status: Middleware = (ctx) => {
  ctx.body = {
    cliente_id: snapshot.cliente_id,
    connected: snapshot.state === 'READY',
    state: snapshot.state,
    since: snapshot.since,
    last_disconnect_reason: snapshot.last_disconnect_reason,
    last_restore: snapshot.last_restore,
    worker: snapshot.worker,
  };
};

// The same parser settings as the service's; a message id as long as the fake driver's.
const parseJson = bodyParser({ enableTypes: ['json'], jsonLimit: '256kb', strict: true });
const send: Middleware = (ctx) => {
  sent += 1;
  ctx.body = { ok: true, message_id: `true_5491123456789@c.us_3EB0${sent.toString(16).toUpperCase().padStart(18, '0')}` };
};

if (process.env.BARE_KOA_ROUTER === '0') {
  // The floor: no router, one middleware that looks at the method and path itself.
  app.use((ctx, next) => {
    if (ctx.method === 'GET' && ctx.path === '/health') return health(ctx, next);
    if (ctx.method === 'GET' && ctx.path === '/status') return status(ctx, next);
    if (ctx.method === 'POST' && ctx.path === '/send') return parseJson(ctx, () => send(ctx, next));
    return next();
  });
} else {
  const router = new Router();
  router.get('/health', health);
  router.get('/status', status);
  router.post('/send', parseJson, send);
  app.use(router.routes());
}

const server = http.createServer(app.callback());
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ message: 'Listening', port: (server.address() as AddressInfo).port })}\n`);
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
