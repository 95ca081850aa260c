// Validation of request bodies: POST /send (the only door through which a message can leave this tenant's
// WhatsApp), POST /disconnect and POST /pairing-code.
import { AppError } from '../../shared/errors.js';
import { isPhoneDigits, isRecord } from '../../shared/guards.js';
import type { SendParams } from '../../shared/protocol.js';

export const MAX_MESSAGE_LENGTH = 65_536;

// `+`, spaces, dashes and parentheses are how people write numbers; they carry no digits.
const NUMBER_DECORATION = /[+\s\-()]/g;

// Returns the digits of an international number (8-15 digits), or undefined when it is not one.
export function normalizePhoneNumber(input: string): string | undefined {
  const digits = input.replace(NUMBER_DECORATION, '');
  return isPhoneDigits(digits) ? digits : undefined;
}

function readClienteId(body: Record<string, unknown>, clienteId: number): void {
  if (!Object.hasOwn(body, 'cliente_id') || body.cliente_id === null) {
    throw new AppError('INVALID_FIELD', { message: 'cliente_id is required (this instance serves cliente_id ' + clienteId + ')' });
  }
  const raw = body.cliente_id;
  const value = typeof raw === 'string' && /^[1-9]\d*$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new AppError('INVALID_FIELD', { message: 'cliente_id must be a positive integer' });
  }
  if (value !== clienteId) {
    throw new AppError('CLIENTE_ID_MISMATCH', {
      message: `cliente_id ${value} does not belong to this instance (cliente_id ${clienteId}); nothing was sent`,
    });
  }
}

// The one rule for a phone number in a body (`to` of /send, `phone` of /pairing-code): a JSON string,
// its digits after removing the decoration, 8 to 15 of them.
export function readPhoneNumber(body: Record<string, unknown>, field: string): string {
  const raw = Object.hasOwn(body, field) ? body[field] : undefined;
  if (typeof raw !== 'string') {
    throw new AppError('INVALID_PHONE_NUMBER', { message: `${field} is required: a string with the international number, e.g. "5491123456789"` });
  }
  const digits = normalizePhoneNumber(raw);
  if (!digits) {
    throw new AppError('INVALID_PHONE_NUMBER', {
      message: `${field} must be an international number of 8 to 15 digits (country code, area code, number; +, spaces, dashes and parentheses are ignored)`,
    });
  }
  return digits;
}

function readMessage(body: Record<string, unknown>): string {
  const raw = Object.hasOwn(body, 'message') ? body.message : undefined;
  if (typeof raw !== 'string' || raw.trim() === '') {
    throw new AppError('INVALID_MESSAGE', { message: 'message is required: a non-empty string' });
  }
  if (raw.length > MAX_MESSAGE_LENGTH && [...raw].length > MAX_MESSAGE_LENGTH) {
    throw new AppError('INVALID_MESSAGE', { message: `message is too long: at most ${MAX_MESSAGE_LENGTH} characters` });
  }
  if (raw.includes('\u0000')) {
    throw new AppError('INVALID_MESSAGE', { message: 'message must not contain NUL characters' });
  }
  return raw;
}

export function parseSendRequest(body: unknown, clienteId: number): SendParams {
  if (!isRecord(body)) throw new AppError('INVALID_BODY');
  readClienteId(body, clienteId);
  return { to: readPhoneNumber(body, 'to'), message: readMessage(body) };
}

// POST /disconnect takes an optional body {"logout": true}.
export function parseDisconnectRequest(body: unknown): { logout: boolean } {
  if (body === undefined) return { logout: false };
  if (!isRecord(body)) throw new AppError('INVALID_BODY');
  if (!Object.hasOwn(body, 'logout') || body.logout === undefined) return { logout: false };
  if (typeof body.logout !== 'boolean') throw new AppError('INVALID_FIELD', { message: 'logout must be true or false' });
  return { logout: body.logout };
}

// POST /pairing-code takes {"phone": "<the number of the phone to link>"}.
export function parsePairingRequest(body: unknown): { phone: string } {
  if (!isRecord(body)) throw new AppError('INVALID_BODY');
  return { phone: readPhoneNumber(body, 'phone') };
}
