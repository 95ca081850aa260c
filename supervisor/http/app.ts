// The Koa app factory. It never listens: the caller owns the server (tests drive app.callback()).
// Routes only validate and delegate to the session service.
import Router from '@koa/router';
import Koa, { type Middleware } from 'koa';
import bodyParser from 'koa-bodyparser';
import { AppError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { SessionService } from '../session-service.js';
import type { SessionSnapshot } from '../session-state.js';
import { accessLog } from './access-log.js';
import { bearerAuth } from './auth.js';
import { errorHandler } from './errors.js';
import { parseDisconnectRequest, parseSendRequest } from './send-request.js';

export const BODY_LIMIT = '256kb';

export interface AppOptions {
  clienteId: number;
  apiToken: string | undefined;
  service: SessionService;
  logger: Logger;
  // True once SIGINT/SIGTERM arrived: everything but /health answers 503.
  isShuttingDown?: () => boolean;
}

function details(snapshot: SessionSnapshot): Record<string, unknown> {
  return {
    since: snapshot.since,
    last_disconnect_reason: snapshot.lastDisconnectReason,
    worker: snapshot.worker,
  };
}

// A body must be JSON; a request without one (e.g. POST /disconnect) is fine.
const requireJsonBody: Middleware = async (ctx, next) => {
  const hasBody = (ctx.request.length ?? 0) > 0 || ctx.get('Transfer-Encoding') !== '';
  if (!hasBody) return next();
  if (!ctx.is('application/json')) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', {
      message: `Request body must be JSON (Content-Type: application/json), got ${ctx.request.type || 'no Content-Type'}`,
    });
  }
  return next();
};

export function createApp(options: AppOptions): Koa {
  const { service, clienteId } = options;
  const app = new Koa();
  // Errors are answered and logged by errorHandler; Koa's default stderr printing would duplicate them.
  app.silent = true;
  const router = new Router();

  router.get('/health', (ctx) => {
    const snapshot = service.snapshot();
    ctx.body = {
      status: 'healthy',
      service: 'session-manager',
      cliente_id: clienteId,
      whatsapp_state: snapshot.state,
      timestamp: new Date().toISOString(),
      ...details(snapshot),
    };
  });

  router.get('/status', (ctx) => {
    const snapshot = service.snapshot();
    ctx.body = { cliente_id: clienteId, connected: snapshot.state === 'READY', state: snapshot.state, ...details(snapshot) };
  });

  router.get('/qr-code', async (ctx) => {
    const { qr } = await service.getQr();
    ctx.body = { qr_code: qr };
  });

  router.post('/send', async (ctx) => {
    const params = parseSendRequest(ctx.request.body, clienteId);
    const { messageId } = await service.send(params);
    ctx.body = { ok: true, message_id: messageId };
  });

  router.post('/disconnect', async (ctx) => {
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

  app.use(accessLog(options.logger));
  app.use(errorHandler(options.logger));
  if (options.isShuttingDown) {
    const isShuttingDown = options.isShuttingDown;
    app.use(async (ctx, next) => {
      if (isShuttingDown() && !(ctx.method === 'GET' && ctx.path === '/health')) throw new AppError('SHUTTING_DOWN');
      return next();
    });
  }
  if (options.apiToken !== undefined) app.use(bearerAuth(options.apiToken));
  app.use(requireJsonBody);
  app.use(
    bodyParser({
      enableTypes: ['json'],
      jsonLimit: BODY_LIMIT,
      // Only objects and arrays; the routes refuse arrays with INVALID_BODY.
      strict: true,
    }),
  );
  app.use(router.routes());
  app.use(router.allowedMethods());
  app.on('error', (error: unknown) => options.logger.error('Koa error', { error: String(error) }));
  return app;
}
