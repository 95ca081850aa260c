// Checks the params of each call from the supervisor before the session sees them.
import { AppError } from '../shared/errors.js';
import { isPhoneDigits, isRecord } from '../shared/guards.js';

function invalid(method: string, why: string): AppError {
  return new AppError('INTERNAL_ERROR', { message: `Invalid params for worker call "${method}": ${why}` });
}

export function validateParams(method: string, params: unknown): void {
  switch (method) {
    case 'send':
      if (!isRecord(params) || !isPhoneDigits(params.to)) {
        throw invalid(method, '`to` must be 8-15 digits');
      }
      if (typeof params.message !== 'string' || params.message.length === 0) {
        throw invalid(method, '`message` must be a non-empty string');
      }
      return;
    case 'requestPairingCode':
      if (!isRecord(params) || !isPhoneDigits(params.phone)) throw invalid(method, '`phone` must be 8-15 digits');
      return;
    case 'shutdown':
      if (!isRecord(params) || typeof params.graceMs !== 'number' || !(params.graceMs >= 0)) {
        throw invalid(method, '`graceMs` must be a non-negative number');
      }
      return;
    case 'disconnect':
      if (!isRecord(params) || typeof params.logout !== 'boolean') throw invalid(method, '`logout` must be a boolean');
      return;
    default:
      return;
  }
}
