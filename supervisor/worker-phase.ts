// The worker lifecycle's phase: one value, whose name is the published worker.status.
import type { WorkerStatus } from './session-state.js';
import type { Watchdogs } from './watchdogs.js';
import type { WorkerProcess } from './worker-process.js';

// Why a worker after the first was started (the worker_restarts_total metric's label).
export type RestartCause = 'recycle' | 'memory' | 'crash' | 'hung' | 'init_timeout' | 'send_timeout' | 'manual';

// What happens once the stopping worker is gone.
export type After = 'restart' | 'backoff' | 'idle' | 'shut-down';

export interface Active {
  name: 'STARTING' | 'RUNNING';
  worker: WorkerProcess;
  watchdogs: Watchdogs;
}

export interface Stopping {
  name: 'STOPPING';
  worker: WorkerProcess;
  then: After;
  why: string;
  // Why the next worker starts, when one does.
  cause: RestartCause;
  // Forked while the old worker closes, so a recycle does not wait for Node and the modules to load.
  next: WorkerProcess | undefined;
  // Resolves once the phase has moved on.
  done: Promise<void>;
}

// Waiting for a timer to start the next worker: after a failure (backoff), or slowly after a crash loop
// (CRASH_LOOP_RETRY_MS; no timer when it is 0: never by itself).
export interface Waiting {
  name: 'BACKOFF' | 'CRASH_LOOP';
  timer: NodeJS.Timeout | undefined;
}

export type Phase = Active | Stopping | Waiting | { name: Exclude<WorkerStatus, Active['name'] | 'STOPPING' | Waiting['name']> };

// Cancels the timer of a waiting phase that is being left.
export function leave(phase: Phase): void {
  if ('timer' in phase) clearTimeout(phase.timer);
}

// How a worker is replaced.
export interface ReplaceOptions {
  // A fault counts toward the crash-loop guard and restarts after backoff; otherwise the next starts now.
  fault: boolean;
  // How long calls in flight may finish (0 for a stuck worker).
  graceMs: number;
  // Skip the polite stop: the worker does not answer anyway.
  kill: boolean;
  cause: RestartCause;
}

// The phase whose worker is the session's.
export function isActive(phase: Phase): phase is Active {
  return phase.name === 'STARTING' || phase.name === 'RUNNING';
}
