// WhatsApp's acks of the messages this account sent, from whatsapp-web.js's message_ack: each one is
// reported, and a send waits here until WhatsApp's server accepted its message (ack >= 1) or failed it (-1).
// The latest ack of recent messages is kept, because an ack may arrive before sendMessage returns the id.
import { AppError } from '../../../shared/errors.js';
import { isMessageAck, type MessageAck } from '../../../shared/protocol.js';

// An ack that settles a send: the server has it (SERVER and later) or it failed (ERROR).
export type Settled = Exclude<MessageAck, 0>;

export interface AckReport {
  messageId: string;
  to: string;
  ack: MessageAck;
}

interface Waiter {
  resolve: (ack: Settled) => void;
  reject: (error: Error) => void;
}

// Recent messages whose latest ack is kept; a send looks its own up right after sendMessage returns.
const RECENT_MAX = 500;

// The digits of a chat id ("5491122334455@c.us" -> "5491122334455").
export function chatDigits(chatId: string): string {
  return (chatId.split('@')[0] ?? '').replace(/\D/g, '');
}

export class AckTracker {
  readonly #report: (ack: AckReport) => void;
  readonly #latest = new Map<string, MessageAck>();
  readonly #waiters = new Map<string, Set<Waiter>>();
  #closed: Error | undefined;

  constructor(report: (ack: AckReport) => void) {
    this.#report = report;
  }

  // whatsapp-web.js's message_ack: only this account's messages, only acks it defines (-1..4).
  onAck(messageId: string, chatId: string, fromMe: boolean, ack: unknown): void {
    if (!fromMe || messageId === '' || !isMessageAck(ack)) return;
    this.#latest.delete(messageId);
    this.#latest.set(messageId, ack);
    if (this.#latest.size > RECENT_MAX) this.#latest.delete(this.#latest.keys().next().value as string);
    this.#report({ messageId, to: chatDigits(chatId), ack });
    if (ack !== 0) this.#settle(messageId, ack);
  }

  // Resolves with the ack that settles message `messageId`: `current` (what sendMessage returned) or one
  // seen since, or the next to arrive within timeoutMs. The wait is removed on every path.
  settled(messageId: string, current: unknown, timeoutMs: number): Promise<Settled> {
    const known = isMessageAck(current) && current !== 0 ? current : this.#latest.get(messageId);
    if (known !== undefined && known !== 0) return Promise.resolve(known);
    if (this.#closed) return Promise.reject(this.#closed);
    return new Promise<Settled>((resolve, reject) => {
      const waiters = this.#waiters.get(messageId) ?? new Set<Waiter>();
      this.#waiters.set(messageId, waiters);
      const forget = (): void => {
        clearTimeout(timer);
        waiters.delete(waiter);
        if (waiters.size === 0) this.#waiters.delete(messageId);
      };
      const waiter: Waiter = {
        resolve: (ack) => {
          forget();
          resolve(ack);
        },
        reject: (error) => {
          forget();
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        waiter.reject(
          new AppError('SEND_OUTCOME_UNKNOWN', {
            message: `WhatsApp's server did not confirm the message within ${timeoutMs} ms; it may or may not have been sent`,
          }),
        );
      }, timeoutMs);
      waiters.add(waiter);
    });
  }

  // How many sends wait for their ack now.
  get waiting(): number {
    let count = 0;
    for (const waiters of this.#waiters.values()) count += waiters.size;
    return count;
  }

  // The client is gone: sends still waiting cannot learn their outcome.
  close(error: Error): void {
    this.#closed = error;
    for (const waiters of [...this.#waiters.values()]) for (const waiter of [...waiters]) waiter.reject(error);
  }

  #settle(messageId: string, ack: Settled): void {
    for (const waiter of [...(this.#waiters.get(messageId) ?? [])]) waiter.resolve(ack);
  }
}
