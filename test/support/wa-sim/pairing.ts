// Pairing codes: linking a page by the phone's number instead of the QR (whatsapp-web.js's
// requestPairingCode). WhatsApp's servers issue the code for a page and a number; the phone with that number
// enters it. Pure values; SimPhone keeps which page asked for which.
import { randomBytes } from 'node:crypto';
import { SimError } from './sim-error.js';

/** A pairing code a page asked for: `code` as the page got it ("ABCDEFGH"), `phone` the number it named. */
export interface SimPairingCode {
  readonly code: string;
  readonly phone: string;
  /** Whether the page asked WhatsApp to notify that phone (requestPairingCode's showNotification). */
  readonly notify: boolean;
}

// 8 of these, as WhatsApp's codes are (no 0/O or 1/I to confuse).
const ALPHABET = 'ABCDEFGHJKLMNPQRSTVWXYZ23456789';

export function issuePairingCode(phone: string, notify: boolean): SimPairingCode {
  if (!/^\d{8,15}$/.test(phone)) throw new SimError(`wa-sim: '${phone}' is not a phone number (8-15 digits)`, 400);
  const code = [...randomBytes(8)].map((byte) => ALPHABET[byte % ALPHABET.length]).join('');
  return { code, phone, notify };
}

/** A code as a person types it on the phone: dashes and case do not matter. */
export function enteredCode(code: string): string {
  return code.replace(/-/g, '').toUpperCase();
}
