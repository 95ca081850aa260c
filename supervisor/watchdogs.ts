// Watches one running worker and asks the host to replace it: when it stops answering (heartbeat), when
// it and its browser grow past MEMORY_LIMIT_MB, or when its session stays in INIT too long. One set per
// worker, stopped with it; each asks at most once.
import type { Config } from '../shared/config.js';
import type { SessionState } from '../shared/state.js';
import { Heartbeat } from './heartbeat.js';
import type { ReplaceOptions } from './worker-phase.js';
import type { WorkerProcess } from './worker-process.js';

const HEARTBEAT_MISSES = 2;

export type WatchdogFault =
  // Hung: no answer, so no polite stop either.
  | { kind: 'hung'; why: string }
  // WhatsApp never became ready: a fault, but the worker still answers.
  | { kind: 'stuck'; why: string }
  // Not a fault: recycled like on SIGUSR2, sends in flight finish.
  | { kind: 'over-memory'; why: string };

export interface WatchdogOptions {
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  initTimeoutMs: number;
  // 0 turns the memory check off.
  memoryLimitMb: number;
  ping: (timeoutMs: number) => Promise<unknown>;
  // PSS of the worker and its browsers, MB (a few /proc reads, once per heartbeat, never per request).
  measureMemoryMb: () => number | null;
  onMemory: (memoryMb: number | null) => void;
  onFault: (fault: WatchdogFault) => void;
}

export class Watchdogs {
  readonly #options: WatchdogOptions;
  readonly #heartbeat: Heartbeat;
  #initTimer: NodeJS.Timeout | undefined;
  #done = false;

  constructor(options: WatchdogOptions) {
    this.#options = options;
    this.#heartbeat = new Heartbeat({
      intervalMs: options.heartbeatIntervalMs,
      misses: HEARTBEAT_MISSES,
      ping: async () => {
        await options.ping(options.heartbeatTimeoutMs);
        this.#checkMemory();
      },
      onHung: (why) => this.#fault({ kind: 'hung', why: `the worker stopped answering: ${why}` }),
    });
  }

  // The worker answers calls: ping it from now on.
  startHeartbeat(): void {
    if (!this.#done) this.#heartbeat.start();
  }

  // Called with the session's state from the worker's launch on (a new worker gets a full INIT allowance,
  // also one that never says hello), then on every change.
  onState(state: SessionState): void {
    clearTimeout(this.#initTimer);
    this.#initTimer = undefined;
    if (state !== 'INIT' || this.#done) return;
    const { initTimeoutMs } = this.#options;
    this.#initTimer = setTimeout(() => this.#fault({ kind: 'stuck', why: `WhatsApp stayed in INIT for ${initTimeoutMs} ms` }), initTimeoutMs);
    this.#initTimer.unref();
  }

  stop(): void {
    this.#done = true;
    this.#heartbeat.stop();
    clearTimeout(this.#initTimer);
    this.#initTimer = undefined;
  }

  #checkMemory(): void {
    if (this.#done) return;
    const memoryMb = this.#options.measureMemoryMb();
    this.#options.onMemory(memoryMb);
    const limit = this.#options.memoryLimitMb;
    if (limit > 0 && memoryMb !== null && memoryMb > limit) {
      this.#fault({ kind: 'over-memory', why: `memory ${memoryMb} MB over MEMORY_LIMIT_MB=${limit}` });
    }
  }

  #fault(fault: WatchdogFault): void {
    if (this.#done) return;
    this.stop();
    this.#options.onFault(fault);
  }
}

type WatchdogSettings = Pick<Config, 'heartbeatIntervalMs' | 'heartbeatTimeoutMs' | 'initTimeoutMs' | 'memoryLimitMb'>;

// The watchdogs of one worker: it is pinged over its own RPC client, its own tree is measured.
export function watchdogsFor(
  worker: WorkerProcess,
  settings: WatchdogSettings,
  measureMemoryMb: (pid: number) => number,
  hooks: Pick<WatchdogOptions, 'onMemory' | 'onFault'>,
): Watchdogs {
  return new Watchdogs({
    heartbeatIntervalMs: settings.heartbeatIntervalMs,
    heartbeatTimeoutMs: settings.heartbeatTimeoutMs,
    initTimeoutMs: settings.initTimeoutMs,
    memoryLimitMb: settings.memoryLimitMb,
    ping: (timeoutMs) => worker.call('ping', null, timeoutMs),
    measureMemoryMb: () => (worker.pid === null ? null : measureMemoryMb(worker.pid)),
    ...hooks,
  });
}

// How a worker is replaced for each fault: a hung one is killed; one stuck in INIT still closes politely,
// at once; one over its memory limit is recycled like on SIGUSR2 (not a fault: sends in flight finish).
export function replacementFor(fault: WatchdogFault, shutdownGraceMs: number): ReplaceOptions {
  switch (fault.kind) {
    case 'hung':
      return { fault: true, graceMs: 0, kill: true, cause: 'hung' };
    case 'stuck':
      return { fault: true, graceMs: 0, kill: false, cause: 'init_timeout' };
    case 'over-memory':
      return { fault: false, graceMs: shutdownGraceMs, kill: false, cause: 'memory' };
  }
}
