// The Koa app factory. It never listens: the caller owns the server (tests drive app.callback()).
// Routes only validate and delegate to the session service.
import Router from '@koa/router';
import Koa, { type Middleware } from 'koa';
import type { Registry } from 'prom-client';
import bodyParser from 'koa-bodyparser';
import { AppError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { messageStatusBody, type MessageStatus } from '../message-status.js';
import type { SendService } from '../sender.js';
import type { SessionService } from '../session-service.js';
import { accessLog } from './access-log.js';
import { bearerAuth } from './auth.js';
import { errorHandler } from './errors.js';
import { idempotencyKeyOf } from './idempotency-key.js';
import { OPENAPI_JSON } from './openapi.js';
import { pollRoutes, type StorageHealthSource, type WebhookHealthSource } from './poll-routes.js';
import { QR_PAGE_PATH, qrRoutes } from './qr-routes.js';
import { parseDisconnectRequest, parseSendRequest } from './send-request.js';

const BODY_LIMIT = '256kb';
// The GET routes answered without the token: /health (for monitors) and the /qr page (it holds no secret;
// its script asks for the token and sends it on every call it makes).
const PUBLIC_PATHS: ReadonlySet<string> = new Set(['/health', QR_PAGE_PATH]);

export interface AppOptions {
  clienteId: number;
  apiToken: string | undefined;
  service: SessionService;
  // The way to send: idempotency, queue, worker.
  sender: SendService;
  logger: Logger;
  // True once SIGINT/SIGTERM arrived: everything but /health answers 503.
  isShuttingDown?: () => boolean;
  // What GET /metrics shows (supervisor/metrics.ts); without it, no such route.
  metrics?: Registry;
  // What became of sent messages (GET /messages/:message_id); none known when absent.
  messages?: MessageStatusReader;
  // The webhook backlog for /health (a frozen object, new on every change); webhooks off when absent.
  webhookHealth?: WebhookHealthSource;
  // Whether the tenant's files can be written, for /health (null when absent).
  storageHealth?: StorageHealthSource;
}

export interface MessageStatusReader {
  get(messageId: string): MessageStatus | undefined;
}

// A body must be uncompressed UTF-8 JSON; a request without one (e.g. POST /disconnect) is fine.
const requireJsonBody: Middleware = async (ctx, next) => {
  const hasBody = (ctx.request.length ?? 0) > 0 || ctx.get('Transfer-Encoding') !== '';
  if (!hasBody) return next();
  if (!ctx.is('application/json')) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', {
      message: `Request body must be JSON (Content-Type: application/json), got ${ctx.request.type || 'no Content-Type'}`,
    });
  }
  const charset = ctx.request.charset.toLowerCase();
  if (charset !== '' && charset !== 'utf-8' && charset !== 'utf8') {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', { message: `Request body must be UTF-8 JSON, got charset ${ctx.request.charset}` });
  }
  const encoding = ctx.get('Content-Encoding').toLowerCase();
  if (encoding !== '' && encoding !== 'identity') {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', {
      message: `Content-Encoding ${ctx.get('Content-Encoding')} is not supported; send the body uncompressed`,
    });
  }
  return next();
};

// Watches the body's bytes as they stream in and reports whether they were valid UTF-8. The body parser
// decodes leniently (bad bytes become U+FFFD, which would then be sent); its listeners attach right after
// these, before the first chunk flows.
function watchUtf8(request: NodeJS.ReadableStream): () => boolean {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let valid = true;
  const check = (chunk?: Buffer): void => {
    if (!valid) return;
    try {
      decoder.decode(chunk, { stream: chunk !== undefined });
    } catch {
      valid = false;
    }
  };
  request.on('data', check);
  request.once('end', () => check());
  return () => {
    request.off('data', check);
    return valid;
  };
}

// Body parsing only where a body is expected, so polled GETs skip it.
function jsonBody(): Middleware {
  const parse = bodyParser({
    enableTypes: ['json'],
    jsonLimit: BODY_LIMIT,
    // Only objects and arrays; the routes refuse arrays with INVALID_BODY.
    strict: true,
  });
  return (ctx, next) =>
    requireJsonBody(ctx, async () => {
      const wasUtf8 = watchUtf8(ctx.req);
      await parse(ctx, async () => {
        if (!wasUtf8()) throw new AppError('INVALID_JSON', { message: 'Request body is not valid UTF-8' });
        await next();
      });
    });
}

export function createApp(options: AppOptions): Koa {
  const { service, sender, clienteId } = options;
  const app = new Koa();
  // Errors are answered and logged by errorHandler; Koa's default stderr printing would duplicate them.
  app.silent = true;
  const router = new Router();

  // Answered by poll.shortcut below; the router keeps them for HEAD, trailing slashes and the 405 of other methods.
  const poll = pollRoutes(service, clienteId, { webhook: options.webhookHealth, storage: options.storageHealth });
  router.get('/health', poll.health);
  router.get('/status', poll.status);

  const parseJson = jsonBody();
  qrRoutes(router, service, parseJson);

  router.post('/send', parseJson, async (ctx) => {
    const params = parseSendRequest(ctx.request.body, clienteId);
    const idempotencyKey = idempotencyKeyOf(ctx.req.headersDistinct['idempotency-key']);
    const { messageId, replayed } = await sender.send(params, { idempotencyKey });
    if (replayed) ctx.set('Idempotent-Replayed', 'true');
    ctx.body = { ok: true, message_id: messageId };
  });

  // Answered from the status store, whatever the session's state: no worker is asked.
  router.get('/messages/:message_id', (ctx) => {
    const messageId = ctx.params.message_id ?? '';
    const message = options.messages?.get(messageId);
    if (!message) {
      throw new AppError('MESSAGE_NOT_FOUND', {
        message: `No message ${JSON.stringify(messageId.slice(0, 200))} was sent by this tenant, or it was forgotten (MESSAGE_STATUS_TTL_MS, MESSAGE_STATUS_MAX)`,
      });
    }
    ctx.body = messageStatusBody(message);
  });

  router.post('/disconnect', parseJson, async (ctx) => {
    const { logout } = parseDisconnectRequest(ctx.request.body);
    await service.disconnect({ logout });
    ctx.body = {
      ok: true,
      message: logout
        ? 'WhatsApp session logged out; the saved login was deleted'
        : 'WhatsApp session disconnected successfully',
    };
  });

  router.post('/connect', async (ctx) => {
    await service.connect();
    ctx.body = { ok: true, message: 'WhatsApp session is connecting', state: service.snapshot().state };
  });

  router.get('/account-info', async (ctx) => {
    const info = await service.getAccountInfo();
    ctx.body = { phone: info.phone, platform: info.platform, pushname: info.pushname };
  });

  const { metrics } = options;
  if (metrics) {
    // Prometheus text format, not JSON; under API_TOKEN like every route but /health.
    router.get('/metrics', async (ctx) => {
      const text = await metrics.metrics();
      ctx.set('Content-Type', metrics.contentType);
      ctx.body = text;
    });
  }

  router.get('/openapi.json', (ctx) => {
    ctx.type = 'application/json; charset=utf-8';
    ctx.body = OPENAPI_JSON;
  });

  app.use(accessLog(options.logger));
  app.use(errorHandler(options.logger));
  if (options.isShuttingDown) {
    const isShuttingDown = options.isShuttingDown;
    // Not async, like bearerAuth: the throw still reaches errorHandler as a rejection.
    app.use((ctx, next) => {
      if (isShuttingDown() && !(ctx.method === 'GET' && ctx.path === '/health')) throw new AppError('SHUTTING_DOWN');
      return next();
    });
  }
  if (options.apiToken !== undefined) app.use(bearerAuth(options.apiToken, PUBLIC_PATHS));
  // After the shutdown gate and the token check, which apply to the polled routes as to the rest.
  app.use(poll.shortcut);
  app.use(router.routes());
  app.use(router.allowedMethods());
  app.on('error', (error: unknown) => options.logger.error('Koa error', { error: String(error) }));
  return app;
}
