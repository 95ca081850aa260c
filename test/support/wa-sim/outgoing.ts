// The simulated WhatsApp servers' side of numbers and messages: which numbers exist (and under which id),
// which have no LID, what was sent, and what the next send meets (a failure, a hang, a slow answer, an
// error send result, the acks it gets). Pure state; SimPhone checks the device before asking.
import { SimError } from './sim-error.js';
import type { SimAckStep, SimMessage } from './types.js';

export type SendOutcome =
  // Accepted: the server answers after answerAfterMs, then the page applies the acks step by step.
  | { readonly kind: 'sent'; readonly message: SimMessage; readonly answerAfterMs: number; readonly acks: readonly SimAckStep[] }
  // Refused by the server: the page's send result fails with `reason`.
  | { readonly kind: 'failed'; readonly reason: string }
  // WhatsApp Web's send result is an error value (not a rejection); nothing reached the server.
  | { readonly kind: 'error-result'; readonly result: string }
  | { readonly kind: 'hang' };

export type LookupOutcome =
  | { readonly exists: false }
  // lid: false when WhatsApp knows the number but has no LID for it (the page then cannot open the chat).
  | { readonly exists: true; readonly user: string; readonly lid: boolean };

// The acks a message gets when nothing else was asked for: the server's, at once.
const DEFAULT_ACKS: readonly SimAckStep[] = Object.freeze([{ ack: 1, delayMs: 0 }]);
const ACKS = new Set([-1, 0, 1, 2, 3, 4]);

export const NEW_CONTACT_REFUSAL = 'wa-sim: the server refused the message: error 463 (reach-out timelock, too many new contacts)';

export function normalizeNumber(input: string): string {
  const user = input.trim().replace(/@c\.us$/, '').replace(/^\+/, '');
  if (!/^\d{5,20}$/.test(user)) {
    throw new SimError(`wa-sim: '${input}' is not a phone number (digits, optionally '@c.us')`, 400);
  }
  return user;
}

export function validateAcks(steps: readonly SimAckStep[]): readonly SimAckStep[] {
  const valid = steps.length > 0 && steps.every((s) => ACKS.has(s.ack) && Number.isFinite(s.delayMs) && s.delayMs >= 0);
  if (!valid) throw new SimError('wa-sim: acks must be a non-empty list of {ack: -1..4, delayMs >= 0}', 400);
  return Object.freeze(steps.map((s) => Object.freeze({ ack: s.ack, delayMs: s.delayMs })));
}

export class SimOutgoing {
  readonly #unregistered = new Set<string>();
  readonly #numberMap = new Map<string, string>();
  readonly #withoutLid = new Set<string>();
  readonly #messages: SimMessage[] = [];
  #failNext: string | undefined;
  #hangNext = false;
  #delayNextMs = 0;
  #acksNext: readonly SimAckStep[] | undefined;
  #errorResultNext: string | undefined;
  #newContactsLimited = false;

  markUnregistered(number: string): void {
    this.#unregistered.add(normalizeNumber(number));
  }

  mapNumber(input: string, canonical: string): void {
    this.#numberMap.set(normalizeNumber(input), normalizeNumber(canonical));
  }

  /** The number exists, but WhatsApp has no LID for it: the page throws "No LID for user" opening its chat. */
  withoutLid(number: string): void {
    this.#withoutLid.add(normalizeNumber(number));
  }

  lookup(number: string): LookupOutcome {
    const user = normalizeNumber(number);
    if (this.#unregistered.has(user)) return { exists: false };
    const canonical = this.#numberMap.get(user) ?? user;
    if (this.#unregistered.has(canonical)) return { exists: false };
    return { exists: true, user: canonical, lid: !this.#withoutLid.has(user) && !this.#withoutLid.has(canonical) };
  }

  failNextSend(reason = 'wa-sim: send failed (failNextSend)'): void {
    this.#failNext = reason;
  }

  hangNextSend(): void {
    this.#hangNext = true;
  }

  /** The next send is recorded at once but its answer reaches the page only after `ms` (a slow network). */
  delayNextSend(ms: number): void {
    this.#delayNextMs = ms;
  }

  /** The acks the next accepted send gets, each `delayMs` after the previous one (the first after the answer). */
  ackNextSend(steps: readonly SimAckStep[]): void {
    this.#acksNext = validateAcks(steps);
  }

  /** The next send's result is WhatsApp Web's error value `result`; the page marks the message a send failure. */
  failNextSendResult(result = 'ERROR_UNKNOWN'): void {
    this.#errorResultNext = result;
  }

  /** While on, a message to a number this account never wrote to is refused with error 463. */
  limitNewContacts(on: boolean): void {
    this.#newContactsLimited = on;
  }

  send(to: string, body: string, id: string): SendOutcome {
    if (this.#failNext !== undefined) {
      const reason = this.#failNext;
      this.#failNext = undefined;
      return { kind: 'failed', reason };
    }
    if (this.#hangNext) {
      this.#hangNext = false;
      return { kind: 'hang' };
    }
    if (this.#errorResultNext !== undefined) {
      const result = this.#errorResultNext;
      this.#errorResultNext = undefined;
      return { kind: 'error-result', result };
    }
    if (this.#newContactsLimited && !this.#messages.some((m) => m.to === to)) return { kind: 'failed', reason: NEW_CONTACT_REFUSAL };
    const acks = this.#acksNext ?? DEFAULT_ACKS;
    this.#acksNext = undefined;
    const message: SimMessage = { to, body, id, at: Date.now() };
    // A server that fails the message at once (ack -1 first) did not take it.
    if (acks[0]?.ack !== -1) this.#messages.push(message);
    const answerAfterMs = this.#delayNextMs;
    this.#delayNextMs = 0;
    return { kind: 'sent', message, answerAfterMs, acks };
  }

  sentMessages(): SimMessage[] {
    return this.#messages.map((m) => ({ ...m }));
  }
}
