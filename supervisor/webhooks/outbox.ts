// The webhook events not delivered yet, oldest first, in memory and on disk (a journal: journal.ts), so
// they survive a worker recycle, a restart of the service and a receiver that is down for hours. A
// delivered (or refused) event gets a `done` line, so it is not sent again after a restart. At most `max`
// wait: beyond that the oldest are dropped, with a log line.
import type { Logger } from '../../shared/logger.js';
import { describeError } from '../../shared/logger.js';
import { Journal } from '../journal.js';
import type { StorageHealth } from '../storage-health.js';
import { WEBHOOK_EVENT_TYPES, type WebhookEvent } from './events.js';

export interface WebhookOutboxOptions {
  file: string;
  max: number;
  logger: Logger;
  storage?: StorageHealth | undefined;
}

type OutboxRecord = { event: WebhookEvent } | { done: string };

export class WebhookOutbox {
  readonly #journal: Journal<OutboxRecord>;
  readonly #max: number;
  readonly #logger: Logger;
  // Oldest first: the head is the next to deliver.
  readonly #events: WebhookEvent[] = [];
  readonly #listeners = new Set<() => void>();
  #dropped = 0;

  private constructor(journal: Journal<OutboxRecord>, options: WebhookOutboxOptions) {
    this.#journal = journal;
    this.#max = options.max;
    this.#logger = options.logger;
  }

  // Loads what was not delivered before (the order of the file), keeps the newest `max`, and compacts.
  static async open(options: WebhookOutboxOptions): Promise<WebhookOutbox> {
    const { journal, records } = await Journal.open({
      file: options.file,
      what: 'webhook outbox',
      logger: options.logger,
      parse: parseRecord,
      storage: options.storage,
    });
    const outbox = new WebhookOutbox(journal, options);
    const pending = new Map<string, WebhookEvent>();
    for (const record of records) {
      if ('done' in record) pending.delete(record.done);
      else pending.set(record.event.id, record.event);
    }
    outbox.#events.push(...pending.values());
    outbox.#bound();
    await journal.compactAtOpen(() => outbox.#live());
    return outbox;
  }

  get pending(): number {
    return this.#events.length;
  }

  // Events dropped for the bound since the start.
  get dropped(): number {
    return this.#dropped;
  }

  get head(): WebhookEvent | undefined {
    return this.#events[0];
  }

  // Listeners hear every change of what is pending (a push, a done, a drop).
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  // An in-memory push and an async append: never waits for the disk, nor for the receiver.
  push(event: WebhookEvent): void {
    this.#events.push(event);
    this.#write({ event });
    this.#bound();
    this.#changed();
  }

  // The event was delivered or refused: never sent again. A no-op for one dropped meanwhile.
  done(id: string): void {
    const index = this.#events.findIndex((event) => event.id === id);
    if (index === -1) return;
    this.#events.splice(index, 1);
    this.#write({ done: id });
    this.#journal.compactIfGrown(this.#events.length, () => this.#live());
    this.#changed();
  }

  // Waits for pending writes (shutdown, tests).
  flush(): Promise<void> {
    return this.#journal.flush();
  }

  // Drops the oldest events beyond the bound, each with a `done` line and one log line per drop.
  #bound(): void {
    while (this.#events.length > this.#max) {
      const oldest = this.#events.shift() as WebhookEvent;
      this.#dropped += 1;
      this.#write({ done: oldest.id });
      this.#logger.warn('Webhook outbox full (WEBHOOK_QUEUE_MAX): dropped its oldest event, never delivered', {
        event_id: oldest.id,
        event_type: oldest.type,
        event_at: oldest.at,
        max: this.#max,
        dropped: this.#dropped,
      });
    }
  }

  #write(record: OutboxRecord): void {
    this.#journal.append(record).catch((error: unknown) =>
      this.#logger.error('Could not write to the webhook outbox; the event stays in memory, but a restart loses this change', {
        file: this.#journal.file,
        ...('done' in record ? { delivered_id: record.done } : { event_id: record.event.id }),
        ...describeError(error),
      }),
    );
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }

  *#live(): Iterable<OutboxRecord> {
    for (const event of this.#events) yield { event };
  }
}

function parseRecord(value: object): OutboxRecord | undefined {
  const record = value as { event?: Partial<WebhookEvent>; done?: unknown };
  if (typeof record.done === 'string') return { done: record.done };
  const event = record.event;
  if (typeof event !== 'object' || event === null) return undefined;
  if (typeof event.id !== 'string' || typeof event.at !== 'string' || typeof event.cliente_id !== 'number') return undefined;
  if (!WEBHOOK_EVENT_TYPES.includes(event.type as WebhookEvent['type'])) return undefined;
  if (typeof event.data !== 'object' || event.data === null) return undefined;
  return { event: event as WebhookEvent };
}
