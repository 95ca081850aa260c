// Remembers what happened to each Idempotency-Key, on disk, so a repeated /send (concurrent, after a worker
// recycle, or after a restart of the service) returns the first answer instead of sending again.
// The file is JSON lines, one record per change, compacted when it grows; the last record of a key wins.
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError, type SerializedError } from '../shared/errors.js';
import { describeError, type Logger } from '../shared/logger.js';

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

export class IdempotencyStore {
  readonly #file: string;
  readonly #ttlMs: number;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  readonly #waiters = new Map<string, Promise<StoredResponse>>();
  #writes: Promise<void> = Promise.resolve();
  // After a failed append the file may end in half a line: the next record starts on a fresh line.
  #lastAppendFailed = false;
  #linesWritten = 0;
  #lastSweep = 0;

  private constructor(file: string, ttlMs: number, logger: Logger, now: () => number) {
    this.#file = file;
    this.#ttlMs = ttlMs;
    this.#logger = logger;
    this.#now = now;
  }

  // Loads the file, turns sends that were in flight at a crash into "outcome unknown", and compacts it.
  static async open(file: string, ttlMs: number, logger: Logger, now: () => number = Date.now): Promise<IdempotencyStore> {
    const store = new IdempotencyStore(file, ttlMs, logger, now);
    await mkdir(path.dirname(file), { recursive: true });
    let text = '';
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      // No file yet: the first start, or nothing was ever sent with a key.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    let unreadable = 0;
    for (const line of text.split('\n')) if (!store.#load(line)) unreadable += 1;
    // Half a line is expected after a failed append; more means the file was damaged.
    if (unreadable > 0) logger.warn('Ignored unreadable lines of the idempotency file', { file, lines: unreadable });
    await store.#compact();
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
      // A repeat already waiting must not hang: nothing was sent, and it is told so.
      answer({ ok: false, error: { code: 'INTERNAL_ERROR', message: 'The Idempotency-Key could not be recorded; nothing was sent' } });
      throw error;
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
    return this.#writes;
  }

  // False when the line is not a record (counted and logged by open()).
  #load(line: string): boolean {
    if (line.trim() === '') return true;
    let record: DiskRecord | null;
    try {
      record = JSON.parse(line) as DiskRecord | null;
    } catch {
      return false;
    }
    if (typeof record !== 'object' || record === null) return false;
    if (typeof record.key !== 'string' || typeof record.fingerprint !== 'string' || typeof record.at !== 'number') return false;
    if (record.kind === 'released' || this.#expired(record.at)) {
      this.#entries.delete(record.key);
      return true;
    }
    const response = record.kind === 'done' && record.response ? record.response : UNKNOWN_AFTER_CRASH;
    this.#entries.set(record.key, { fingerprint: record.fingerprint, at: record.at, response });
    return true;
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
    if (this.#linesWritten > 2 * this.#entries.size + 1000) {
      // Nothing is lost when it fails (the file keeps every record, only longer), but the disk needs a look.
      this.#compact().catch((error: unknown) =>
        this.#logger.error('Could not compact the idempotency file; it keeps growing until this works', {
          file: this.#file,
          ...describeError(error),
        }),
      );
    }
  }

  #append(record: DiskRecord): Promise<void> {
    this.#linesWritten += 1;
    const write = this.#writes.then(async () => {
      const line = `${this.#lastAppendFailed ? '\n' : ''}${JSON.stringify(record)}\n`;
      this.#lastAppendFailed = true;
      await appendFile(this.#file, line);
      this.#lastAppendFailed = false;
    });
    // The chain goes on after a failure; the failure itself goes to this write's caller.
    this.#writes = write.catch(() => undefined);
    return write;
  }

  // Rewrites the file with one record per live key (write to a temporary file, then rename).
  #compact(): Promise<void> {
    const write = this.#writes.then(async () => {
      const lines = [...this.#entries].map(([key, entry]) =>
        JSON.stringify({ key, fingerprint: entry.fingerprint, at: entry.at, kind: 'done', response: entry.response ?? UNKNOWN_AFTER_CRASH }),
      );
      const temporary = `${this.#file}.tmp`;
      await writeFile(temporary, lines.length > 0 ? `${lines.join('\n')}\n` : '');
      await rename(temporary, this.#file);
      this.#linesWritten = lines.length;
    });
    // As in #append: the caller (open, or the sweep's log) gets the failure; the chain goes on.
    this.#writes = write.catch(() => undefined);
    return write;
  }
}
