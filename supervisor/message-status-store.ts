// Remembers what became of each message sent through /send: recorded when /send succeeds (`to` is the
// request's number), moved by WhatsApp's acks from any worker, kept on disk (a journal: journal.ts) for
// ttlMs and at most `max` messages (the oldest sends are forgotten first), so acks that come after a worker
// recycle or a restart of the service still update it. Listeners hear every change, the first `sent` too.
import { isMessageAck, type MessageAck } from '../shared/protocol.js';
import type { Logger } from '../shared/logger.js';
import { describeError } from '../shared/logger.js';
import { Journal } from './journal.js';
import { acceptsAck, type MessageStatus } from './message-status.js';
import type { StorageHealth } from './storage-health.js';

export interface MessageStatusStoreOptions {
  file: string;
  ttlMs: number;
  max: number;
  logger: Logger;
  now?: () => number;
  storage?: StorageHealth | undefined;
}

export type MessageStatusListener = (message: MessageStatus) => void;

interface DiskRecord {
  id: string;
  to: string;
  ack: MessageAck;
  sent_at: number;
  updated_at: number;
}

// Acks that come before /send's answer (WhatsApp's server ack usually does): held until the send is
// recorded. Acks of messages not sent through this service (from the phone) wait here until pushed out.
const EARLY_ACKS_MAX = 1000;
const SWEEP_EVERY_MS = 60_000;

export class MessageStatusStore {
  readonly #journal: Journal<DiskRecord>;
  readonly #options: MessageStatusStoreOptions;
  readonly #now: () => number;
  readonly #logger: Logger;
  // In the order of the sends: the first entry is the oldest.
  readonly #messages = new Map<string, MessageStatus>();
  readonly #early = new Map<string, MessageAck>();
  readonly #listeners = new Set<MessageStatusListener>();
  #lastSweep = 0;

  private constructor(journal: Journal<DiskRecord>, options: MessageStatusStoreOptions) {
    this.#journal = journal;
    this.#options = options;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
  }

  // Loads the file (the last record of a message wins), forgets what is too old or too many, and compacts it.
  static async open(options: MessageStatusStoreOptions): Promise<MessageStatusStore> {
    const { file, logger, storage } = options;
    // Durable: a message the hub was told is sent is never "not found" after a power cut.
    const { journal, records } = await Journal.open({ file, what: 'message status file', logger, parse: parseRecord, durable: true, storage });
    const store = new MessageStatusStore(journal, options);
    for (const record of records) {
      store.#messages.set(record.id, { messageId: record.id, to: record.to, ack: record.ack, sentAt: record.sent_at, updatedAt: record.updated_at });
    }
    store.#forget();
    await journal.compactAtOpen(() => store.#live());
    return store;
  }

  get size(): number {
    return this.#messages.size;
  }

  get(messageId: string): MessageStatus | undefined {
    const message = this.#messages.get(messageId);
    return message && !this.#expired(message) ? message : undefined;
  }

  subscribe(listener: MessageStatusListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  // /send succeeded: WhatsApp's server has it (ack 1), or more if its acks came first. Resolves once that
  // is on the disk, or could not be (logged: the status is then kept in memory only); never rejects.
  sent(messageId: string, to: string): Promise<void> {
    if (this.#messages.has(messageId)) return Promise.resolve();
    const now = this.#now();
    const early = this.#early.get(messageId);
    this.#early.delete(messageId);
    const ack: MessageAck = early !== undefined && acceptsAck(1, early) ? early : 1;
    const written = this.#change({ messageId, to, ack, sentAt: now, updatedAt: now });
    this.#sweep(now);
    return written;
  }

  // An ack from a worker: applied when it moves the status forward (message-status.ts), else ignored.
  ack(messageId: string, ack: MessageAck): void {
    const current = this.#messages.get(messageId);
    if (!current) {
      const held = this.#early.get(messageId);
      if (held === undefined || acceptsAck(held, ack)) this.#hold(messageId, ack);
      return;
    }
    if (!acceptsAck(current.ack, ack)) return;
    void this.#change({ ...current, ack, updatedAt: this.#now() });
  }

  // Waits for pending writes (shutdown, tests).
  flush(): Promise<void> {
    return this.#journal.flush();
  }

  #hold(messageId: string, ack: MessageAck): void {
    this.#early.delete(messageId);
    this.#early.set(messageId, ack);
    if (this.#early.size > EARLY_ACKS_MAX) {
      const [oldest] = this.#early.keys();
      if (oldest !== undefined) this.#early.delete(oldest);
    }
  }

  // The one writer of a message's status: memory at once, the disk after, then the listeners.
  #change(message: MessageStatus): Promise<void> {
    const frozen = Object.freeze(message);
    this.#messages.set(frozen.messageId, frozen);
    const written = this.#journal.append(toRecord(frozen)).catch((error: unknown) => {
      this.#logger.error('Could not save a message status; it is kept in memory, but lost at a restart', {
        message_id: frozen.messageId,
        ack: frozen.ack,
        ...describeError(error),
      });
    });
    for (const listener of this.#listeners) listener(frozen);
    return written;
  }

  #expired(message: MessageStatus): boolean {
    return this.#now() - message.sentAt >= this.#options.ttlMs;
  }

  // Drops the oldest sends while there are too many, or they are too old (sends are in time order).
  #forget(): void {
    for (const [messageId, message] of this.#messages) {
      if (this.#messages.size <= this.#options.max && !this.#expired(message)) break;
      this.#messages.delete(messageId);
    }
  }

  #sweep(now: number): void {
    if (this.#messages.size > this.#options.max) this.#forget();
    if (now - this.#lastSweep < SWEEP_EVERY_MS) return;
    this.#lastSweep = now;
    this.#forget();
    this.#journal.compactIfGrown(this.#messages.size, () => this.#live());
  }

  *#live(): Iterable<DiskRecord> {
    for (const message of this.#messages.values()) yield toRecord(message);
  }
}

function toRecord(message: MessageStatus): DiskRecord {
  return { id: message.messageId, to: message.to, ack: message.ack, sent_at: message.sentAt, updated_at: message.updatedAt };
}

function parseRecord(value: object): DiskRecord | undefined {
  const record = value as Partial<DiskRecord>;
  if (typeof record.id !== 'string' || typeof record.to !== 'string' || !isMessageAck(record.ack)) return undefined;
  if (typeof record.sent_at !== 'number' || typeof record.updated_at !== 'number') return undefined;
  return record as DiskRecord;
}
