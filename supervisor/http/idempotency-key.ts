// The Idempotency-Key request header, checked in one place: at most one, 1 to 200 visible ASCII characters.
import { AppError } from '../../shared/errors.js';

const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;

// The key of a request, from its header lines as received (Node's `req.headersDistinct`, which keeps
// repeated lines apart instead of joining them with ", "); undefined when there is none.
export function idempotencyKeyOf(header: readonly string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (header.length > 1) throw new AppError('INVALID_FIELD', { message: 'Send one Idempotency-Key header, not several' });
  const [key = ''] = header;
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new AppError('INVALID_FIELD', { message: 'Idempotency-Key must be 1 to 200 visible ASCII characters' });
  }
  return key;
}
