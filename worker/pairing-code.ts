// WhatsApp's pairing code as the phone shows and asks for it: 8 letters and digits, read as ABCD-EFGH.
import { AppError } from '../shared/errors.js';

const CODE = /^[A-Z0-9]{8}$/;

export function formatPairingCode(raw: unknown): string {
  const code = typeof raw === 'string' ? raw.replace(/[\s-]/g, '').toUpperCase() : '';
  if (!CODE.test(code)) {
    throw new AppError('INTERNAL_ERROR', { message: `WhatsApp returned no usable pairing code (got ${typeof raw === 'string' ? JSON.stringify(raw) : typeof raw})` });
  }
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}
