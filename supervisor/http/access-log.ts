// One log line per request: method, path, status, duration, and the error code if any.
// The hub polls /health and /status all day, Prometheus scrapes /metrics, and the /qr page asks for an
// unchanged QR every second (304): those answers log at debug, the rest at info.
import type { Middleware } from 'koa';
import type { Logger } from '../../shared/logger.js';

const POLLED_PATHS = new Set(['/health', '/status', '/metrics']);

export function accessLog(logger: Logger): Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const quiet = ctx.status === 304 || (ctx.status < 400 && POLLED_PATHS.has(ctx.path));
      const level = quiet ? 'debug' : 'info';
      if (logger.isLevelEnabled(level)) {
        logger.log(level, 'request', {
          method: ctx.method,
          path: ctx.path,
          status: ctx.status,
          duration_ms: performance.now() - started,
          ...(ctx.state.errorCode ? { code: ctx.state.errorCode } : {}),
        });
      }
    }
  };
}
