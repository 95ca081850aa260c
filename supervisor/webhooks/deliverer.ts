// Delivers the outbox's events to WEBHOOK_URL one at a time, oldest first, off the request path: a 2xx is a
// delivery; network errors, timeouts, 408, 429 and 5xx are tried again after a capped exponential backoff
// (Retry-After honoured); any other 4xx means the receiver refuses the event (logged, dropped, counted).
// It owns its one timer, its one request and its kept-alive socket: stop() clears, aborts and closes them.
import type { Logger } from '../../shared/logger.js';
import { backoffMs, outcomeOf, type BackoffPolicy, type TryOutcome } from './retry.js';
import type { WebhookEvent } from './events.js';
import type { WebhookOutbox } from './outbox.js';
import { WebhookPoster } from './post.js';
import { SIGNATURE_HEADER, signatureOf } from './signature.js';

export interface WebhookDelivererOptions {
  url: string;
  secret: string | undefined;
  timeoutMs: number;
  backoff: BackoffPolicy;
  outbox: WebhookOutbox;
  logger: Logger;
}

// What /health shows (frozen; a new object on every change, so its cached body is rebuilt only then).
export interface WebhookHealth {
  readonly pending: number;
  // Why the last try failed; null once a delivery succeeds.
  readonly last_error: string | null;
  readonly last_delivered_at: string | null;
  // Since the start: refused by the receiver (4xx), dropped for WEBHOOK_QUEUE_MAX.
  readonly refused: number;
  readonly dropped: number;
}

export class WebhookDeliverer {
  readonly #options: WebhookDelivererOptions;
  readonly #outbox: WebhookOutbox;
  readonly #logger: Logger;
  readonly #poster: WebhookPoster;
  readonly #unsubscribe: () => void;
  #health: WebhookHealth;
  #lastError: string | null = null;
  #lastDeliveredAt: string | null = null;
  #refused = 0;
  #failures = 0;
  // Tries that did not deliver (refused or to be retried), since the start: /metrics.
  #failedTries = 0;
  // True from a wake until the queue is empty (or stop): at most one loop.
  #draining = false;
  #drained: Promise<void> = Promise.resolve();
  #wait: { timer: NodeJS.Timeout; resolve: () => void } | undefined;
  #request: AbortController | undefined;
  #stopped = false;

  constructor(options: WebhookDelivererOptions) {
    this.#options = options;
    this.#outbox = options.outbox;
    this.#logger = options.logger;
    this.#poster = new WebhookPoster(options.url);
    this.#health = this.#build();
    this.#unsubscribe = this.#outbox.subscribe(() => {
      this.#publish();
      this.#wake();
    });
  }

  start(): void {
    this.#wake();
  }

  health(): WebhookHealth {
    return this.#health;
  }

  // Stops for good: the wait is cleared, a request in flight is aborted (its event stays pending and is
  // sent again after a restart: receivers dedupe by id).
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe();
    if (this.#wait) {
      clearTimeout(this.#wait.timer);
      this.#wait.resolve();
    }
    this.#request?.abort(new Error('the service is stopping'));
    await this.#drained;
    this.#poster.close();
  }

  #wake(): void {
    if (this.#draining || this.#stopped || this.#outbox.head === undefined) return;
    this.#draining = true;
    this.#drained = this.#drain();
  }

  async #drain(): Promise<void> {
    for (;;) {
      const event = this.#outbox.head;
      // Checked and cleared in the same tick as a push's wake: nothing is left behind.
      if (event === undefined || this.#stopped) {
        this.#draining = false;
        return;
      }
      const outcome = await this.#try(event);
      if (outcome.kind === 'delivered') {
        this.#failures = 0;
        this.#lastError = null;
        this.#lastDeliveredAt = new Date().toISOString();
        this.#outbox.done(event.id);
      } else if (outcome.kind === 'refused') {
        this.#failures = 0;
        this.#refused += 1;
        this.#failedTries += 1;
        this.#lastError = `${outcome.why} (refused)`;
        this.#logger.error('The webhook receiver refused an event; it is dropped', { event_id: event.id, event_type: event.type, why: outcome.why });
        this.#outbox.done(event.id);
      } else {
        if (this.#stopped) continue;
        this.#failures += 1;
        this.#failedTries += 1;
        this.#lastError = outcome.why;
        this.#publish();
        const delayMs = backoffMs(this.#options.backoff, this.#failures, outcome.retryAfterMs);
        this.#logger.warn('Webhook delivery failed; trying again later', {
          event_id: event.id,
          why: outcome.why,
          failures: this.#failures,
          delay_ms: delayMs,
          pending: this.#outbox.pending,
        });
        await this.#sleep(delayMs);
      }
    }
  }

  async #try(event: WebhookEvent): Promise<TryOutcome> {
    const body = JSON.stringify(event);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'session-manager' };
    if (this.#options.secret !== undefined) headers[SIGNATURE_HEADER] = signatureOf(body, this.#options.secret);
    const request = new AbortController();
    this.#request = request;
    try {
      const answer = await this.#poster.post(body, headers, this.#options.timeoutMs, request.signal);
      return outcomeOf(answer.status, answer.retryAfter, Date.now());
    } catch (error) {
      return { kind: 'retry', why: networkError(error), retryAfterMs: undefined };
    } finally {
      this.#request = undefined;
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wait = undefined;
        resolve();
      }, ms);
      this.#wait = { timer, resolve };
    });
  }

  get failedTries(): number {
    return this.#failedTries;
  }

  #build(): WebhookHealth {
    return Object.freeze({
      pending: this.#outbox.pending,
      last_error: this.#lastError,
      last_delivered_at: this.#lastDeliveredAt,
      refused: this.#refused,
      dropped: this.#outbox.dropped,
    });
  }

  #publish(): void {
    this.#health = this.#build();
  }
}

// A network error by its code (ECONNREFUSED, ECONNRESET, ENOTFOUND...), else its message.
function networkError(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.message : String(error);
}
