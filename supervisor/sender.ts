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

// How long an answer waits for what a send writes down after it went out. A disk that hangs (a stalled
// network volume) must not hold back the answer of a message that left: the caller would time out and,
// without a key, send it again. The record stays in memory and reaches the disk when the disk does.
export const WRITE_WAIT_MS = 2000;

// Answers that leave the message possibly sent: a repeat must get them too, never a second try.
const OUTCOME_UNKNOWN: ReadonlySet<ErrorCode> = new Set(['SEND_OUTCOME_UNKNOWN', 'WORKER_TIMEOUT']);

function fingerprint(params: SendParams): string {
  return createHash('sha256').update(params.to).update('\n').update(params.message).digest('base64url');
}

// Writes down a message that went out (its status), awaited (at most WRITE_WAIT_MS) before the answer; never rejects.
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
    if (key === undefined) {
      const result = await this.#sendNow(params);
      await this.#written(this.#recordSent(params, result), 'its status', { message_id: result.messageId });
      return { messageId: result.messageId, replayed: false };
    }
    const claim = await this.#store.claim(key, fingerprint(params));
    if (claim.kind === 'replay') return replay(claim.response);
    let result: SendResult;
    try {
      result = await this.#sendNow(params);
    } catch (error) {
      const serialized = serializeError(error);
      // The caller gets the send's own error, never the store's: that one is logged.
      const settled = claim.settle({ ok: false, error: serialized }, OUTCOME_UNKNOWN.has(serialized.code)).catch((writeError: unknown) =>
        this.#logger.error('Could not save the answer to a failed send; after a restart, a repeat with this Idempotency-Key gets SEND_OUTCOME_UNKNOWN', {
          idempotency_key: key,
          answer: serialized.code,
          ...describeError(writeError),
        }),
      );
      await this.#written(settled, 'the answer of its Idempotency-Key', { idempotency_key: key });
      throw error;
    }
    // The message went out: a failure to write that down must not turn the answer into an error. Repeats
    // are answered from memory until a restart; after one, this key's repeat protection may not hold.
    const { messageId } = result;
    const settled = claim.settle({ ok: true, messageId }, true).catch((writeError: unknown) =>
      this.#logger.error('Message sent, but its answer could not be saved: after a restart, repeat protection for this Idempotency-Key may not hold', {
        idempotency_key: key,
        message_id: messageId,
        ...describeError(writeError),
      }),
    );
    // Both records at once: on the disk together, one flush each file.
    await Promise.all([
      this.#written(this.#recordSent(params, result), 'its status', { message_id: messageId }),
      this.#written(settled, 'the answer of its Idempotency-Key', { idempotency_key: key }),
    ]);
    return { messageId, replayed: false };
  }

  // Refuses sends not started yet (they were never sent); the running one finishes.
  close(error: Error): void {
    this.#queue.close(error);
  }

  // Waits for a write of a sent message, at most WRITE_WAIT_MS (then logged: answered before it was on disk);
  // a failed write is logged, never the answer.
  async #written(write: Promise<unknown>, what: string, detail: Record<string, unknown>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), WRITE_WAIT_MS)));
    try {
      const safe = write.catch((error: unknown) => this.#logger.error(`Could not write down ${what} of a send`, { ...detail, ...describeError(error) }));
      if ((await Promise.race([safe, late])) === 'late') {
        this.#logger.warn(`The disk is slow: a send was answered before ${what} was on the disk`, { wait_ms: WRITE_WAIT_MS, ...detail });
      }
    } finally {
      clearTimeout(timer);
    }
  }

  // After the queue's turn, so the next send does not wait for this one's records.
  #sendNow(params: SendParams): Promise<SendResult> {
    const queuedAt = performance.now();
    return this.#queue.push(() => {
      // The moment the queue's spacing applies to (SEND_MIN_INTERVAL_MS is between these, start to start).
      if (this.#logger.isLevelEnabled('debug')) {
        this.#logger.debug('Send handed to the worker', { queued_ms: Math.round(performance.now() - queuedAt), waiting: this.#queue.waiting });
      }
      return this.#dispatch(params);
    });
  }
}

function replay(response: StoredResponse): SendOutcome {
  if (response.ok) return { messageId: response.messageId, replayed: true };
  const error = deserializeError(response.error);
  throw new AppError(error.code, { message: error.message, headers: { 'Idempotent-Replayed': 'true' } });
}
