// Whether the tenant's files can be written, as /health shows it. Every journal (journal.ts) reports each
// write here: a failed one (the disk filled, the folder went read-only) makes `storage` say why, the next
// one that works clears it. While a file is failing, it is probed every `probeMs` (a blank line, which
// readers skip), so the report clears by itself once space is back, without waiting for the next send.
import { describeError, type Logger } from '../shared/logger.js';

export interface StorageFault {
  file: string;
  // The system's error code (ENOSPC, EROFS, EACCES...), or null when there is none.
  code: string | null;
  message: string;
  since: string;
}

// /health's `storage` field: one frozen object per change, so /health can reuse its body.
export interface StorageHealthBody {
  writable: boolean;
  error: StorageFault | null;
}

const WRITABLE: StorageHealthBody = Object.freeze({ writable: true, error: null });

export const STORAGE_PROBE_MS = 5000;

// ENOSPC, EROFS...: what a failed file operation says, or null.
export function systemErrorCode(error: unknown): string | null {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : null;
}

export class StorageHealth {
  readonly #logger: Logger;
  readonly #probeMs: number;
  readonly #faults = new Map<string, { fault: StorageFault; probe: () => Promise<void>; probing: boolean }>();
  #body: StorageHealthBody = WRITABLE;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(logger: Logger, probeMs: number = STORAGE_PROBE_MS) {
    this.#logger = logger;
    this.#probeMs = probeMs;
  }

  health(): StorageHealthBody {
    return this.#body;
  }

  // A write of `file` failed; `probe` tries a harmless write of it again. Logged once per cause.
  failed(file: string, error: unknown, probe: () => Promise<void>): void {
    const code = systemErrorCode(error);
    const known = this.#faults.get(file);
    if (known && known.fault.code === code) return;
    const fault: StorageFault = Object.freeze({
      file,
      code,
      message: error instanceof Error ? error.message : String(error),
      since: known?.fault.since ?? new Date().toISOString(),
    });
    this.#faults.set(file, { fault, probe, probing: false });
    this.#logger.error("Cannot write a file of the tenant; /health's storage shows it until a write works again", { file, ...describeError(error) });
    this.#update();
  }

  // A write of `file` worked.
  succeeded(file: string): void {
    const entry = this.#faults.get(file);
    if (!entry) return;
    this.#faults.delete(file);
    this.#logger.info('A file of the tenant can be written again', { file, failing_since: entry.fault.since });
    this.#update();
  }

  // Stops probing (shutdown).
  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #update(): void {
    const [first] = this.#faults.values();
    this.#body = first ? Object.freeze({ writable: false, error: first.fault }) : WRITABLE;
    if (first && !this.#timer && !this.#stopped) {
      this.#timer = setInterval(() => this.#probe(), this.#probeMs);
      this.#timer.unref();
    } else if (!first) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #probe(): void {
    // A probe that fails again keeps its fault; the journal reports the outcome either way.
    // One probe at a time per file: on a disk that hangs, they would pile up in its write chain.
    for (const entry of this.#faults.values()) {
      if (entry.probing) continue;
      entry.probing = true;
      entry
        .probe()
        .catch(() => undefined)
        .finally(() => (entry.probing = false));
    }
  }
}
