// The way to /send: the Idempotency-Key check, then the send queue, then the worker. A message is sent
// exactly once or the caller is told clearly that it was not (or that nobody can know).
import { createHash } from 'node:crypto';
import { AppError, deserializeError, serializeError, type ErrorCode } from '../shared/errors.js';
import { describeError, type Logger } from '../shared/logger.js';
import type { SendParams, SendResult } from '../shared/protocol.js';
import type { IdempotencyStore, StoredResponse } from './idempotency-store.js';
import type { SendQueue } from './send-queue.js';

export interface SendOptions {
  // Already checked at the HTTP edge (http/idempotency-key.ts).
  idempotencyKey?: string | undefined;
}

export interface SendOutcome {
  messageId: string;
  // True when this is the stored answer of an earlier request with the same Idempotency-Key.
  replayed: boolean;
}

export interface SendService {
  send(params: SendParams, options?: SendOptions): Promise<SendOutcome>;
}

// Answers that leave the message possibly sent: a repeat must get them too, never a second try.
const OUTCOME_UNKNOWN: ReadonlySet<ErrorCode> = new Set(['SEND_OUTCOME_UNKNOWN', 'WORKER_TIMEOUT']);

function fingerprint(params: SendParams): string {
  return createHash('sha256').update(params.to).update('\n').update(params.message).digest('base64url');
}

// Writes down a message that went out before its sender is answered (the message status); never rejects.
export type SentRecorder = (params: SendParams, result: SendResult) => Promise<void>;

export class Sender implements SendService {
  readonly #dispatch: (params: SendParams) => Promise<SendResult>;
  readonly #queue: SendQueue;
  readonly #store: IdempotencyStore;
  readonly #logger: Logger;
  readonly #recordSent: SentRecorder;

  constructor(
    dispatch: (params: SendParams) => Promise<SendResult>,
    queue: SendQueue,
    store: IdempotencyStore,
    logger: Logger,
    recordSent: SentRecorder = () => Promise.resolve(),
  ) {
    this.#dispatch = dispatch;
    this.#queue = queue;
    this.#store = store;
    this.#logger = logger;
    this.#recordSent = recordSent;
  }

  async send(params: SendParams, options: SendOptions = {}): Promise<SendOutcome> {
    const key = options.idempotencyKey;
    if (key === undefined) return { messageId: (await this.#sendNow(params)).messageId, replayed: false };
    const claim = await this.#store.claim(key, fingerprint(params));
    if (claim.kind === 'replay') return replay(claim.response);
    let response: StoredResponse;
    try {
      response = { ok: true, messageId: (await this.#sendNow(params)).messageId };
    } catch (error) {
      const serialized = serializeError(error);
      // The caller gets the send's own error, never the store's: that one is logged.
      await claim.settle({ ok: false, error: serialized }, OUTCOME_UNKNOWN.has(serialized.code)).catch((writeError: unknown) =>
        this.#logger.error('Could not save the answer to a failed send; after a restart, a repeat with this Idempotency-Key gets SEND_OUTCOME_UNKNOWN', {
          idempotency_key: key,
          answer: serialized.code,
          ...describeError(writeError),
        }),
      );
      throw error;
    }
    // The message went out: a failure to write that down must not turn the answer into an error. Repeats
    // are answered from memory until a restart; after one, this key's repeat protection may not hold.
    await claim.settle(response, true).catch((writeError: unknown) =>
      this.#logger.error('Message sent, but its answer could not be saved: after a restart, repeat protection for this Idempotency-Key may not hold', {
        idempotency_key: key,
        message_id: response.messageId,
        ...describeError(writeError),
      }),
    );
    return { messageId: response.messageId, replayed: false };
  }

  // Refuses sends not started yet (they were never sent); the running one finishes.
  close(error: Error): void {
    this.#queue.close(error);
  }

  // The recording happens after the queue's turn, so the next send does not wait for this one's disk write.
  async #sendNow(params: SendParams): Promise<SendResult> {
    const queuedAt = performance.now();
    const result = await this.#queue.push(() => {
      // The moment the queue's spacing applies to (SEND_MIN_INTERVAL_MS is between these, start to start).
      if (this.#logger.isLevelEnabled('debug')) {
        this.#logger.debug('Send handed to the worker', { queued_ms: Math.round(performance.now() - queuedAt), waiting: this.#queue.waiting });
      }
      return this.#dispatch(params);
    });
    await this.#recordSent(params, result);
    return result;
  }
}

function replay(response: StoredResponse): SendOutcome {
  if (response.ok) return { messageId: response.messageId, replayed: true };
  const error = deserializeError(response.error);
  throw new AppError(error.code, { message: error.message, headers: { 'Idempotent-Replayed': 'true' } });
}
