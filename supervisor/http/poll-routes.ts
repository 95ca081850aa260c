// GET /health and GET /status: the hub polls them all day, so they answer from memory. Their JSON is
// built once per snapshot (a new frozen object on every change) and per webhook health (the same) and
// reused; /health only adds the time, formatted once per millisecond.
import type { Middleware } from 'koa';
import type { StorageHealthBody } from '../storage-health.js';
import type { WebhookHealth } from '../webhooks/deliverer.js';
import type { SessionService } from '../session-service.js';
import type { SessionSnapshot } from '../session-state.js';

// What `ctx.type = 'application/json'` sets, without the MIME lookup on every request.
const JSON_TYPE = 'application/json; charset=utf-8';
const TIMESTAMP_FIELD = '"timestamp":"';

export interface PollRoutes {
  health: Middleware;
  status: Middleware;
  // Answers exactly GET /health and GET /status in front of the router, which would otherwise match every
  // route and compose a middleware chain per request to reach the same two handlers. Lets the rest through.
  shortcut: Middleware;
}

// The webhook backlog /health shows: null when webhooks are off.
export type WebhookHealthSource = () => WebhookHealth | null;
// Whether the tenant's files can be written (storage-health.ts): null when nobody reports it.
export type StorageHealthSource = () => StorageHealthBody | null;

// What /health shows beside the session; each source returns the same object until it changes.
export interface HealthSources {
  webhook?: WebhookHealthSource | undefined;
  storage?: StorageHealthSource | undefined;
}

interface PollBodies {
  snapshot: SessionSnapshot;
  webhook: WebhookHealth | null;
  storage: StorageHealthBody | null;
  status: string;
  // /health is healthHead + ISO timestamp + healthTail.
  healthHead: string;
  healthTail: string;
}

function details(snapshot: SessionSnapshot): Record<string, unknown> {
  const { worker } = snapshot;
  return {
    since: snapshot.since,
    last_disconnect_reason: snapshot.lastDisconnectReason,
    last_restore: snapshot.lastRestore,
    worker: { status: worker.status, pid: worker.pid, restarts: worker.restarts, memory_mb: worker.memoryMb },
  };
}

function buildBodies(clienteId: number, snapshot: SessionSnapshot, webhook: WebhookHealth | null, storage: StorageHealthBody | null): PollBodies {
  const health = JSON.stringify({
    status: 'healthy',
    service: 'session-manager',
    cliente_id: clienteId,
    whatsapp_state: snapshot.state,
    timestamp: '',
    ...details(snapshot),
    webhook,
    storage,
  });
  const cut = health.indexOf(TIMESTAMP_FIELD) + TIMESTAMP_FIELD.length;
  return {
    snapshot,
    webhook,
    storage,
    status: JSON.stringify({ cliente_id: clienteId, connected: snapshot.state === 'READY', state: snapshot.state, ...details(snapshot) }),
    healthHead: health.slice(0, cut),
    healthTail: health.slice(cut),
  };
}

export function pollRoutes(service: SessionService, clienteId: number, sources: HealthSources = {}): PollRoutes {
  const { webhook: webhookHealth = () => null, storage: storageHealth = () => null } = sources;
  let bodies: PollBodies | undefined;
  // The last /health body and the millisecond it was built for.
  let healthAt = Number.NaN;
  let healthBody = '';

  const current = (): PollBodies => {
    const snapshot = service.snapshot();
    const webhook = webhookHealth();
    const storage = storageHealth();
    if (bodies?.snapshot !== snapshot || bodies.webhook !== webhook || bodies.storage !== storage) {
      bodies = buildBodies(clienteId, snapshot, webhook, storage);
      healthAt = Number.NaN;
    }
    return bodies;
  };

  const health: Middleware = (ctx) => {
    const now = Date.now();
    const { healthHead, healthTail } = current();
    if (now !== healthAt) {
      healthAt = now;
      healthBody = `${healthHead}${new Date(now).toISOString()}${healthTail}`;
    }
    ctx.set('Content-Type', JSON_TYPE);
    ctx.body = healthBody;
  };

  const status: Middleware = (ctx) => {
    ctx.set('Content-Type', JSON_TYPE);
    ctx.body = current().status;
  };

  const shortcut: Middleware = (ctx, next) => {
    if (ctx.method === 'GET') {
      const { path } = ctx;
      if (path === '/health') return health(ctx, next);
      if (path === '/status') return status(ctx, next);
    }
    return next();
  };

  return { health, status, shortcut };
}
