// Remembers what happened to each Idempotency-Key, on disk, so a repeated /send (concurrent, after a worker
// recycle, or after a restart of the service) returns the first answer instead of sending again.
// The file is a journal (journal.ts): one record per change, compacted when it grows; the last record of a
// key wins.
import { AppError, type SerializedError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { Journal } from './journal.js';
import { STORAGE_PROBE_MS, systemErrorCode, type StorageHealth } from './storage-health.js';

// The first answer to a key: what every repeat gets.
export type StoredResponse = { ok: true; messageId: string } | { ok: false; error: SerializedError };

interface Entry {
  fingerprint: string;
  at: number;
  // Undefined while the first request is in flight.
  response: StoredResponse | undefined;
}

interface DiskRecord {
  key: string;
  fingerprint: string;
  at: number;
  // 'pending': sent to the worker, answer not known yet; 'done': answer kept; 'released': nothing was sent.
  kind: 'pending' | 'done' | 'released';
  response?: StoredResponse;
}

export type Claim =
  | { kind: 'new'; settle: (response: StoredResponse, keep: boolean) => Promise<void> }
  | { kind: 'replay'; response: StoredResponse };

// What a key whose send was in flight when the service died answers from then on.
const UNKNOWN_AFTER_CRASH: StoredResponse = {
  ok: false,
  error: {
    code: 'SEND_OUTCOME_UNKNOWN',
    message: 'The service stopped while this message was being sent; it may or may not have been sent',
  },
};

const SWEEP_EVERY_MS = 60_000;
// Released records owed at most (a long outage of the disk with retries); the oldest are given up first.
const UNRELEASED_MAX = 10_000;

export class IdempotencyStore {
  readonly #journal: Journal<DiskRecord>;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  readonly #waiters = new Map<string, Promise<StoredResponse>>();
  // Keys refused because their record could not be written: a failed write may still have left the record
  // on the disk (a flush that failed after the write), so each gets a `released` record with the next write.
  readonly #unreleased: DiskRecord[] = [];
  #lastSweep = 0;

  private constructor(journal: Journal<DiskRecord>, ttlMs: number, now: () => number) {
    this.#journal = journal;
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  // Loads the file, turns sends that were in flight at a crash into "outcome unknown", and compacts it.
  // Durable: a key's record is on the disk before its message reaches the worker (journal.ts).
  static async open(
    file: string,
    ttlMs: number,
    logger: Logger,
    options: { now?: () => number; storage?: StorageHealth } = {},
  ): Promise<IdempotencyStore> {
    const { now = Date.now, storage } = options;
    const { journal, records } = await Journal.open({ file, what: 'idempotency file', logger, parse: parseRecord, durable: true, storage });
    const store = new IdempotencyStore(journal, ttlMs, now);
    for (const record of records) store.#load(record);
    await journal.compactAtOpen(() => store.#live());
    return store;
  }

  get size(): number {
    return this.#entries.size;
  }

  // Claims the key for this request. A repeat gets the first answer: at once if known, else when the first finishes.
  async claim(key: string, fingerprint: string): Promise<Claim> {
    this.#sweep();
    let existing = this.#entries.get(key);
    if (existing?.response && this.#expired(existing.at)) {
      this.#entries.delete(key);
      existing = undefined;
    }
    if (existing && existing.fingerprint !== fingerprint) {
      throw new AppError('IDEMPOTENCY_KEY_REUSED', {
        message: `Idempotency-Key "${key}" was first used for a different recipient or message; nothing was sent`,
      });
    }
    if (existing?.response) return { kind: 'replay', response: existing.response };
    const waiting = this.#waiters.get(key);
    if (waiting) return { kind: 'replay', response: await waiting };

    const entry: Entry = { fingerprint, at: this.#now(), response: undefined };
    this.#entries.set(key, entry);
    let answer: (response: StoredResponse) => void = () => undefined;
    this.#waiters.set(key, new Promise<StoredResponse>((resolve) => (answer = resolve)));
    try {
      // On disk before the worker sees the message: a crash from here on reads as "outcome unknown".
      await this.#append({ key, fingerprint, at: entry.at, kind: 'pending' });
    } catch (error) {
      this.#entries.delete(key);
      this.#waiters.delete(key);
      this.#release({ key, fingerprint, at: entry.at, kind: 'released' });
      const refusal = new AppError('STORAGE_UNAVAILABLE', {
        message: `The Idempotency-Key could not be recorded (${systemErrorCode(error) ?? 'write failed'}); nothing was sent`,
        cause: error,
        headers: { 'Retry-After': String(STORAGE_PROBE_MS / 1000) },
      });
      // A repeat already waiting must not hang: nothing was sent, and it is told so.
      answer({ ok: false, error: { code: refusal.code, message: refusal.message } });
      throw refusal;
    }
    return {
      kind: 'new',
      settle: async (response, keep) => {
        if (keep) entry.response = response;
        else this.#entries.delete(key);
        this.#waiters.delete(key);
        answer(response);
        await this.#append(
          keep ? { key, fingerprint, at: entry.at, kind: 'done', response } : { key, fingerprint, at: entry.at, kind: 'released' },
        );
      },
    };
  }

  // Waits for pending writes (shutdown).
  flush(): Promise<void> {
    return this.#journal.flush();
  }

  #load(record: DiskRecord): void {
    if (record.kind === 'released' || this.#expired(record.at)) {
      this.#entries.delete(record.key);
      return;
    }
    const response = record.kind === 'done' && record.response ? record.response : UNKNOWN_AFTER_CRASH;
    this.#entries.set(record.key, { fingerprint: record.fingerprint, at: record.at, response });
  }

  // One record per live key: what a compacted file holds.
  *#live(): Iterable<DiskRecord> {
    for (const [key, entry] of this.#entries) {
      yield { key, fingerprint: entry.fingerprint, at: entry.at, kind: 'done', response: entry.response ?? UNKNOWN_AFTER_CRASH };
    }
  }

  #expired(at: number): boolean {
    return this.#now() - at >= this.#ttlMs;
  }

  #sweep(): void {
    const now = this.#now();
    if (now - this.#lastSweep < SWEEP_EVERY_MS) return;
    this.#lastSweep = now;
    for (const [key, entry] of this.#entries) {
      if (entry.response && this.#expired(entry.at)) this.#entries.delete(key);
    }
    this.#journal.compactIfGrown(this.#entries.size, () => this.#live());
  }

  // Appends `record`, after the released records still owed (in the same write).
  #append(record: DiskRecord): Promise<void> {
    for (const released of this.#unreleased.splice(0)) this.#journal.append(released).catch(() => this.#release(released));
    return this.#journal.append(record);
  }

  #release(record: DiskRecord): void {
    this.#unreleased.push(record);
    if (this.#unreleased.length > UNRELEASED_MAX) this.#unreleased.shift();
  }
}

// A line of the file, when it is a record.
function parseRecord(value: object): DiskRecord | undefined {
  const record = value as Partial<DiskRecord>;
  if (typeof record.key !== 'string' || typeof record.fingerprint !== 'string' || typeof record.at !== 'number') return undefined;
  if (record.kind !== 'pending' && record.kind !== 'done' && record.kind !== 'released') return undefined;
  return record as DiskRecord;
}
