// Bearer-token check for every route but the public GET paths (/health, the /qr page), in constant time.
import { hash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { AppError } from '../../shared/errors.js';

// One-shot hashing: a third of createHash's cost, paid on every request but GET /health.
function digest(value: string): Buffer {
  return hash('sha256', value, 'buffer');
}

export function bearerAuth(token: string, publicGetPaths: ReadonlySet<string>): Middleware {
  // Comparing fixed-length digests keeps the comparison's time independent of the token's content and length.
  const expected = digest(token);
  // Not async: a refusal thrown here still reaches the error handler as a rejection, and a pass adds no promise.
  return (ctx, next) => {
    if (ctx.method === 'GET' && publicGetPaths.has(ctx.path)) return next();
    const header = ctx.get('Authorization');
    const match = /^Bearer ([^\s]+)$/i.exec(header);
    if (!match?.[1] || !timingSafeEqual(digest(match[1]), expected)) {
      throw new AppError('UNAUTHORIZED', { headers: { 'WWW-Authenticate': 'Bearer' } });
    }
    return next();
  };
}
