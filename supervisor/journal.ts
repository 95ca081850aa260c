// A JSON-lines file that a store appends one record per change to and rewrites (compacts) to its live
// records now and then. The rules every such file of the tenant follows, written once: appends are
// serialized; after a failed append the next record starts on a fresh line (the failed one may have left
// half a line); unreadable lines are skipped with one warning, never a failure to open; compaction writes a
// temporary file and renames it, so a crash leaves either the old file or the new one. A durable journal
// has each write on the disk (fdatasync, one per batch) before its callers hear it is done, and its
// compaction synced before the rename and the folder after it, so a power cut cannot undo what was
// answered. Every write's outcome goes to the storage health, when there is one (storage-health.ts).
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { describeError, type Logger } from '../shared/logger.js';
import type { StorageHealth } from './storage-health.js';

export interface JournalOptions<R> {
  file: string;
  // What the file is, for log lines ("idempotency file").
  what: string;
  logger: Logger;
  // A parsed JSON line to a record, or undefined when it is not one (counted as unreadable).
  parse: (value: object) => R | undefined;
  // On the disk before a write resolves (see above). Off: on the disk when the system gets to it.
  durable?: boolean;
  storage?: StorageHealth | undefined;
}

export interface OpenedJournal<R> {
  journal: Journal<R>;
  // Every readable record, in file order (the store replays them: the last record of a key wins).
  records: R[];
}

interface Batch {
  lines: string[];
  written: Promise<void>;
}

// Compacting pays off once the file holds this many more lines than twice the live records.
const COMPACT_SLACK_LINES = 1000;

export class Journal<R> {
  readonly file: string;
  readonly #what: string;
  readonly #logger: Logger;
  readonly #durable: boolean;
  readonly #storage: StorageHealth | undefined;
  #writes: Promise<void> = Promise.resolve();
  #lastAppendFailed = false;
  #lines = 0;
  // The records waiting for the next write, while it has not started.
  #batch: Batch | undefined;

  private constructor(options: JournalOptions<R>, lines: number) {
    this.file = options.file;
    this.#what = options.what;
    this.#logger = options.logger;
    this.#durable = options.durable ?? false;
    this.#storage = options.storage;
    this.#lines = lines;
  }

  // Reads the file (none yet is fine: the first start) and creates its folder.
  static async open<R>(options: JournalOptions<R>): Promise<OpenedJournal<R>> {
    const { file, what, logger, parse } = options;
    await mkdir(path.dirname(file), { recursive: true });
    let text = '';
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`Cannot read the ${what} ${file}`, { cause: error });
    }
    const records: R[] = [];
    let unreadable = 0;
    let lines = 0;
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      lines += 1;
      const record = parseLine(line, parse);
      if (record === undefined) unreadable += 1;
      else records.push(record);
    }
    // Half a line is expected after a failed append; more means the file was damaged.
    if (unreadable > 0) logger.warn(`Ignored unreadable lines of the ${what}`, { file, lines: unreadable });
    const journal = new Journal(options, lines);
    // A power cut in the middle of an append leaves half a line at the end: the next record starts afresh.
    journal.#lastAppendFailed = text.length > 0 && !text.endsWith('\n');
    return { journal, records };
  }

  // Lines in the file now (as far as this process wrote them), for the compaction rule.
  get lines(): number {
    return this.#lines;
  }

  // Appends one record after the writes before it. Records appended while a write is under way go out
  // together in the next one (one system call for many, under load). The chain goes on after a failure;
  // the failure itself goes to the callers of that write.
  append(record: R): Promise<void> {
    this.#lines += 1;
    const line = JSON.stringify(record);
    if (this.#batch) {
      this.#batch.lines.push(line);
      return this.#batch.written;
    }
    const batch: Batch = { lines: [line], written: Promise.resolve() };
    this.#batch = batch;
    batch.written = this.#writes.then(() => {
      // From here on, appends start the next batch.
      this.#batch = undefined;
      return this.#appendText(`${this.#lastAppendFailed ? '\n' : ''}${batch.lines.join('\n')}\n`);
    });
    this.#writes = batch.written.catch(() => undefined);
    return batch.written;
  }

  // A blank line (readers skip it), after the writes before it: whether the file can be written again.
  probe(): Promise<void> {
    const write = this.#writes.then(() => this.#appendText('\n'));
    this.#writes = write.catch(() => undefined);
    return write;
  }

  async #appendText(text: string): Promise<void> {
    this.#lastAppendFailed = true;
    try {
      await writeFileSynced(this.file, 'a', text, this.#durable);
    } catch (error) {
      this.#storage?.failed(this.file, error, () => this.probe());
      throw error;
    }
    this.#lastAppendFailed = false;
    this.#storage?.succeeded(this.file);
  }

  // Rewrites the file with `live()` (read when the write runs, after every earlier append).
  compact(live: () => Iterable<R>): Promise<void> {
    const write = this.#writes.then(async () => {
      const lines = Array.from(live(), (record) => JSON.stringify(record));
      const temporary = `${this.file}.tmp`;
      try {
        await writeFileSynced(temporary, 'w', lines.length > 0 ? `${lines.join('\n')}\n` : '', this.#durable);
        await rename(temporary, this.file);
      } catch (error) {
        // A copy cut short (a full disk) must not keep the little space that is left.
        await rm(temporary, { force: true }).catch(() => undefined);
        throw error;
      }
      if (this.#durable) await syncFolder(path.dirname(this.file));
      this.#lines = lines.length;
      this.#lastAppendFailed = false;
    });
    this.#writes = write.catch(() => undefined);
    return write;
  }

  // The compaction after opening: a failure (a full disk at start-up) costs only a longer file, so the
  // service starts anyway; it is logged and reported to the storage health, whose probe clears it.
  async compactAtOpen(live: () => Iterable<R>): Promise<void> {
    try {
      await this.compact(live);
    } catch (error) {
      this.#logger.error(`Could not compact the ${this.#what} at start-up; it keeps every record`, { file: this.file, ...describeError(error) });
      this.#storage?.failed(this.file, error, () => this.probe());
    }
  }

  // Compacts in the background when the file has grown well past `liveCount` records. Nothing is lost when
  // it fails (the file keeps every record, only longer), but the disk needs a look: logged.
  compactIfGrown(liveCount: number, live: () => Iterable<R>): void {
    if (this.#lines <= 2 * liveCount + COMPACT_SLACK_LINES) return;
    this.compact(live).catch((error: unknown) =>
      this.#logger.error(`Could not compact the ${this.#what}; it keeps growing until this works`, {
        file: this.file,
        ...describeError(error),
      }),
    );
  }

  // Resolves once every write asked for so far is done (shutdown, tests).
  flush(): Promise<void> {
    return this.#writes;
  }
}

// Writes (flag 'a': appends) `text`, on the disk before it resolves when `durable`; the handle is closed either way.
async function writeFileSynced(file: string, flag: 'a' | 'w', text: string, durable: boolean): Promise<void> {
  const handle = await open(file, flag);
  try {
    await handle.writeFile(text);
    if (durable) await handle.datasync();
  } finally {
    await handle.close();
  }
}

// A rename is on the disk once the folder that holds it is.
async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function parseLine<R>(line: string, parse: (value: object) => R | undefined): R | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? parse(value) : undefined;
}
