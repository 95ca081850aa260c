// The published session state: what /health and /status show. The worker host is its one writer;
// every change is checked against the transition table and announced as (next, previous).
import { pathTo, type SessionState } from '../shared/state.js';

export type WorkerStatus = 'STARTING' | 'RUNNING' | 'STOPPING' | 'BACKOFF' | 'CRASH_LOOP' | 'IDLE' | 'SHUT_DOWN';

export interface SessionSnapshot {
  readonly state: SessionState;
  readonly since: string;
  // Why the session last became DISCONNECTED (LOGOUT, CRASH_LOOP, ...); kept after it recovers.
  readonly lastDisconnectReason: string | null;
  // The last time the saved login was restored from a snapshot, and which one.
  readonly lastRestore: Readonly<{ at: string; snapshot: string }> | null;
  readonly worker: {
    readonly status: WorkerStatus;
    readonly pid: number | null;
    readonly restarts: number;
    // PSS of the worker and its browser tree at the last heartbeat, MB.
    readonly memoryMb: number | null;
  };
}

export type SnapshotListener = (next: SessionSnapshot, previous: SessionSnapshot) => void;

export class SessionStateStore {
  #snapshot: SessionSnapshot;
  readonly #listeners = new Set<SnapshotListener>();

  readonly #now: () => Date;

  constructor(now: () => Date = () => new Date()) {
    this.#now = now;
    this.#snapshot = Object.freeze({
      state: 'INIT',
      since: now().toISOString(),
      lastDisconnectReason: null,
      lastRestore: null,
      worker: Object.freeze({ status: 'STARTING', pid: null, restarts: 0, memoryMb: null }),
    });
  }

  // Read on every /health and /status: an already-built frozen object, nothing computed.
  get snapshot(): SessionSnapshot {
    return this.#snapshot;
  }

  // Moves the session state, through INIT when the table has no direct move.
  setState(state: SessionState, reason: string | null = null): void {
    for (const step of pathTo(this.#snapshot.state, state)) this.#move(step, step === state ? reason : null);
  }

  #move(state: SessionState, reason: string | null): void {
    const previous = this.#snapshot;
    if (previous.state === state && (state !== 'DISCONNECTED' || reason === previous.lastDisconnectReason)) return;
    this.#publish({
      ...previous,
      state,
      since: previous.state === state ? previous.since : this.#now().toISOString(),
      lastDisconnectReason: state === 'DISCONNECTED' ? reason : previous.lastDisconnectReason,
    });
  }

  setLastRestore(restore: { at: string; snapshot: string }): void {
    const previous = this.#snapshot.lastRestore;
    if (previous?.at === restore.at && previous.snapshot === restore.snapshot) return;
    this.#publish({ ...this.#snapshot, lastRestore: Object.freeze({ ...restore }) });
  }

  setWorker(worker: Partial<SessionSnapshot['worker']>): void {
    this.#publish({ ...this.#snapshot, worker: Object.freeze({ ...this.#snapshot.worker, ...worker }) });
  }

  subscribe(listener: SnapshotListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #publish(next: SessionSnapshot): void {
    const previous = this.#snapshot;
    this.#snapshot = Object.freeze(next);
    for (const listener of this.#listeners) listener(this.#snapshot, previous);
  }
}
