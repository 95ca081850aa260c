// Turns every failure into the contract's JSON error shape; never an HTML page or a stack trace.
import type { Middleware } from 'koa';
import { AppError, errorBody, type ErrorCode } from '../../shared/errors.js';
import { describeError, type Logger } from '../../shared/logger.js';

// Errors from the body parser (co-body / raw-body) carry a `type` and an HTTP status.
const PARSER_ERRORS: Readonly<Record<string, ErrorCode>> = {
  'entity.parse.failed': 'INVALID_JSON',
  'entity.too.large': 'PAYLOAD_TOO_LARGE',
  'encoding.unsupported': 'UNSUPPORTED_MEDIA_TYPE',
  'charset.unsupported': 'UNSUPPORTED_MEDIA_TYPE',
  'request.size.invalid': 'INVALID_JSON',
  'request.aborted': 'INVALID_JSON',
  'stream.encoding.set': 'INTERNAL_ERROR',
};

// co-body's JSON.parse failures carry only a status.
const PARSER_STATUSES: Readonly<Record<number, ErrorCode>> = {
  400: 'INVALID_JSON',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const { type, status } = (typeof error === 'object' && error !== null ? error : {}) as { type?: unknown; status?: unknown };
  if (typeof type === 'string' && Object.hasOwn(PARSER_ERRORS, type)) {
    return new AppError(PARSER_ERRORS[type] as ErrorCode, { cause: error });
  }
  if (typeof status === 'number' && Object.hasOwn(PARSER_STATUSES, status)) {
    return new AppError(PARSER_STATUSES[status] as ErrorCode, { cause: error });
  }
  return new AppError('INTERNAL_ERROR', { cause: error });
}

export function errorHandler(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.body !== undefined && ctx.body !== null) return;
      // Nothing answered: the router's 404/405/501, turned into the same JSON shape.
      if (ctx.status === 404) throw new AppError('NOT_FOUND', { message: `No route ${ctx.method} ${ctx.path}` });
      if (ctx.status === 405 || ctx.status === 501) {
        throw new AppError('METHOD_NOT_ALLOWED', {
          message: `Method ${ctx.method} is not allowed on ${ctx.path} (allowed: ${ctx.response.get('Allow') || 'none'})`,
        });
      }
    } catch (caught) {
      const error = toAppError(caught);
      if (error.status >= 500) {
        logger.error('Request failed', { method: ctx.method, path: ctx.path, code: error.code, ...describeError(caught) });
      }
      ctx.status = error.status;
      for (const [name, value] of Object.entries(error.headers)) ctx.set(name, value);
      // The rest of an oversized body is never read: tell the client not to reuse this connection.
      if (error.code === 'PAYLOAD_TOO_LARGE') ctx.set('Connection', 'close');
      ctx.body = errorBody(error);
      ctx.state.errorCode = error.code;
    }
  };
}
