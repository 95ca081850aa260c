// Forks, watches, recycles and stops the worker process; the one writer of the published session state.
// Faults it handles: the worker exits (restart with backoff, crash-loop guard), stops answering
// (heartbeat), hangs in a send (send timeout) or stays in INIT too long; each ends the worker and its whole
// browser tree, by the pids saved when they started, before a new worker starts.
import type { ChildProcess } from 'node:child_process';
import { execaNode } from 'execa';
import type { Config } from '../shared/config.js';
import { AppError } from '../shared/errors.js';
import { ipcChannel } from '../shared/ipc-channel.js';
import { describeError, type Logger } from '../shared/logger.js';
import { treePssMb } from '../shared/process-memory.js';
import { killBrowserTree } from '../shared/process-tree.js';
import { parseEvent, type AccountInfo, type SendParams, type SendResult, type WorkerMethods } from '../shared/protocol.js';
import { RpcClient } from '../shared/rpc.js';
import type { SessionState } from '../shared/state.js';
import { Heartbeat } from './heartbeat.js';
import { decideRestart, recentFailures, restartPolicyFrom, type RestartPolicy } from './restart-policy.js';
import type { SessionService } from './session-service.js';
import { assertState, SessionStateStore, type NotInStateCode, type SessionSnapshot } from './session-state.js';

export interface WorkerHostOptions {
  config: Config;
  logger: Logger;
  // The compiled worker entry point (dist/worker/main.js).
  workerEntry: string;
  // Environment for the worker; defaults to the supervisor's own.
  env?: NodeJS.ProcessEnv;
}

// What the worker needs beyond the grace period to close its browser (its own bound is 15 s).
const WORKER_CLOSE_BOUND_MS = 17_000;
// After SIGTERM, SIGKILL follows this much later (execa's forceKillAfterDelay).
const KILL_GRACE_MS = 3000;
// Chromium needs a moment after SIGTERM to flush the profile (the saved login) before it exits.
const BROWSER_KILL_GRACE_MS = 5000;
const HEARTBEAT_MISSES = 2;

interface WorkerHandle {
  // execa's subprocess: its kill() escalates to SIGKILL after forceKillAfterDelay.
  readonly child: ChildProcess;
  readonly rpc: RpcClient<WorkerMethods>;
  readonly exited: Promise<void>;
  readonly spawnedAt: number;
  readonly heartbeat: Heartbeat;
  pid: number | null;
  browsers: { pid: number; profile: string }[];
  hasExited: boolean;
  stopping: boolean;
}

type Method = keyof WorkerMethods;

interface ReplaceOptions {
  // How long in-flight calls may finish (0 for a hung worker).
  graceMs: number;
  // A fault: counts toward the crash-loop guard and restarts with backoff. Otherwise (SIGUSR2) now.
  fault: boolean;
  // Skip the polite stop (the worker does not answer anyway).
  kill: boolean;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

// A worker that dies mid-call leaves a send's outcome unknown; other calls simply did not happen.
function workerGoneError(method: string, why: string): AppError {
  if (method === 'send') return new AppError('SEND_OUTCOME_UNKNOWN', { message: `${why} while sending; the message may or may not have been sent` });
  return new AppError('WORKER_UNAVAILABLE', { message: `${why}; "${method}" did not complete` });
}

function timeoutError(method: string, timeoutMs: number): AppError {
  if (method === 'send') {
    return new AppError('WORKER_TIMEOUT', {
      message: `WhatsApp did not confirm the send within ${timeoutMs} ms; the message may or may not have been sent`,
    });
  }
  return new AppError('WORKER_TIMEOUT', { message: `The WhatsApp worker did not answer "${method}" within ${timeoutMs} ms` });
}

export class WorkerHost implements SessionService {
  readonly store = new SessionStateStore();
  readonly #options: WorkerHostOptions;
  readonly #config: Config;
  readonly #logger: Logger;
  readonly #policy: RestartPolicy;
  #worker: WorkerHandle | undefined;
  #restartTimer: NodeJS.Timeout | undefined;
  #initTimer: NodeJS.Timeout | undefined;
  #failures: number[] = [];
  #spawns = 0;
  #replacing: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;

  constructor(options: WorkerHostOptions) {
    this.#options = options;
    this.#config = options.config;
    this.#logger = options.logger;
    this.#policy = restartPolicyFrom(this.#config);
    this.store.subscribe((next, previous) => {
      if (next.state !== previous.state) this.#watchInit(next.state);
    });
  }

  snapshot(): SessionSnapshot {
    return this.store.snapshot;
  }

  start(): void {
    if (!this.#worker && !this.#stopping) this.#spawn();
  }

  async getQr(): Promise<{ qr: string }> {
    this.#requireState('QR_REQUIRED', 'QR_NOT_AVAILABLE');
    return this.#call('getQr', null, this.#config.callTimeoutMs);
  }

  async send(params: SendParams): Promise<SendResult> {
    this.#requireState('READY', 'SESSION_NOT_READY');
    const worker = this.#live();
    try {
      return await this.#call('send', params, this.#config.sendTimeoutMs);
    } catch (error) {
      // A send that never returns means a stuck page or worker: replace it (its caller already has 504).
      if (error instanceof AppError && error.code === 'WORKER_TIMEOUT' && worker && worker === this.#worker) {
        void this.#replace(`a send did not finish within ${this.#config.sendTimeoutMs} ms`, { graceMs: 0, fault: true, kill: false });
      }
      throw error;
    }
  }

  async getAccountInfo(): Promise<AccountInfo> {
    this.#requireState('READY', 'SESSION_NOT_READY');
    return this.#call('getAccountInfo', null, this.#config.callTimeoutMs);
  }

  async disconnect(options: { logout: boolean }): Promise<void> {
    if (this.#live()) {
      await this.#call('disconnect', options, this.#config.sendTimeoutMs);
      return;
    }
    this.#refuseWhileStopping();
    // No worker (waiting to restart, or given up): stay down until /connect.
    this.#cancelRestart();
    this.store.setWorker({ status: 'IDLE', pid: null });
    this.store.setState('DISCONNECTED', options.logout ? 'LOGOUT_REQUESTED' : 'DISCONNECT_REQUESTED');
  }

  async connect(): Promise<void> {
    if (this.#live()) {
      await this.#call('connect', null, this.#config.sendTimeoutMs);
      return;
    }
    this.#refuseWhileStopping();
    if (this.#replacing) return;
    // A manual retry: forget past failures and start now.
    this.#cancelRestart();
    this.#failures = [];
    this.#spawn();
  }

  // Replaces the worker with a fresh one (SIGUSR2): in-flight calls get the grace period, the port stays up.
  recycle(why: string): Promise<void> {
    this.#failures = [];
    return this.#replace(why, { graceMs: this.#config.shutdownGraceMs, fault: false, kill: false });
  }

  // Stops the worker for good (SIGINT/SIGTERM): in-flight calls get the grace period. Idempotent.
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#cancelRestart();
      this.#clearInitTimer();
      await this.#replacing?.catch(() => undefined);
      const worker = this.#worker;
      if (worker) await this.#stopWorker(worker, this.#config.shutdownGraceMs, false);
      this.store.setWorker({ status: 'SHUT_DOWN', pid: null });
    })();
    return this.#stopping;
  }

  #live(): WorkerHandle | undefined {
    const worker = this.#worker;
    return worker && !worker.stopping && !worker.hasExited ? worker : undefined;
  }

  #refuseWhileStopping(): void {
    if (this.#stopping) throw new AppError('SHUTTING_DOWN');
  }

  #requireState(state: SessionState, code: NotInStateCode): void {
    this.#refuseWhileStopping();
    assertState(this.store.snapshot, state, code);
  }

  #call<K extends Method>(method: K, params: WorkerMethods[K]['params'], timeoutMs: number): Promise<WorkerMethods[K]['result']> {
    this.#refuseWhileStopping();
    const worker = this.#live();
    if (!worker) {
      return Promise.reject(new AppError('WORKER_UNAVAILABLE', { message: 'The WhatsApp worker is restarting; try again shortly' }));
    }
    return worker.rpc.call(method, params, { timeoutMs });
  }

  #spawn(): void {
    const restart = this.#spawns > 0;
    this.#spawns += 1;
    const child = execaNode(this.#options.workerEntry, [], {
      ipc: true,
      serialization: 'json',
      // Keep no copy of IPC messages or output for the child's lifetime.
      buffer: false,
      stdin: 'ignore',
      stdout: 'inherit',
      stderr: 'inherit',
      env: this.#options.env ?? process.env,
      extendEnv: false,
      reject: false,
      // If the supervisor dies, take the worker with it.
      cleanup: true,
      forceKillAfterDelay: KILL_GRACE_MS,
    });
    const channel = ipcChannel(child, (error) => this.#logger.warn('IPC send to the worker failed', describeError(error)));
    const rpc = new RpcClient<WorkerMethods>(channel, { maxPending: this.#config.maxPendingCalls, timeoutError });
    let markExited: () => void = () => undefined;
    const handle: WorkerHandle = {
      child,
      rpc,
      exited: new Promise<void>((resolve) => {
        markExited = resolve;
      }),
      spawnedAt: Date.now(),
      heartbeat: new Heartbeat({
        intervalMs: this.#config.heartbeatIntervalMs,
        misses: HEARTBEAT_MISSES,
        ping: async () => {
          await rpc.call('ping', null, { timeoutMs: this.#config.heartbeatTimeoutMs });
          this.#checkMemory(handle);
        },
        onHung: (why) => {
          if (handle === this.#worker) void this.#replace(`the worker stopped answering: ${why}`, { graceMs: 0, fault: true, kill: true });
        },
      }),
      pid: child.pid ?? null,
      browsers: [],
      hasExited: false,
      stopping: false,
    };
    this.#worker = handle;
    this.store.setWorker({ status: 'STARTING', pid: handle.pid, ...(restart ? { restarts: this.store.snapshot.worker.restarts + 1 } : {}) });
    this.store.setState('INIT');
    // The state may already have been INIT (a restart): the new worker gets its own full INIT allowance.
    this.#watchInit('INIT');

    child.on('message', (message: unknown) => this.#onMessage(handle, message));
    child.on('error', (error) => this.#logger.error('Worker process error', describeError(error)));
    child.on('disconnect', () => rpc.close((method) => workerGoneError(method, 'The WhatsApp worker closed its channel')));
    child.on('exit', (code, signal) => {
      handle.hasExited = true;
      handle.heartbeat.stop();
      rpc.close((method) => workerGoneError(method, 'The WhatsApp worker exited'));
      void this.#reapBrowsers(handle).finally(markExited);
      this.#onExit(handle, code, signal);
    });
    // The result is read from 'exit'; this only keeps a failed spawn from being an unhandled rejection.
    (child as unknown as Promise<unknown>).catch(() => undefined);
  }

  #onMessage(handle: WorkerHandle, message: unknown): void {
    const event = parseEvent(message);
    if (!event) return;
    // Browser pids are kept even from a stopping worker: it may still die before closing them.
    if (event.kind === 'browser') {
      handle.browsers.push({ pid: event.pid, profile: event.profile });
      this.#logger.info('Worker launched a browser', { worker_pid: handle.pid, browser_pid: event.pid });
      return;
    }
    if (handle !== this.#worker || handle.stopping) return;
    switch (event.kind) {
      case 'hello':
        handle.pid = event.pid;
        handle.heartbeat.start();
        this.store.setWorker({ status: 'RUNNING', pid: event.pid });
        this.#logger.info('Worker ready for calls', { worker_pid: event.pid, spawn_ms: Date.now() - handle.spawnedAt });
        return;
      case 'state':
        this.store.setState(event.state, event.reason);
        return;
    }
  }

  // A dead worker cannot close its browser: end every browser tree it launched (if still running).
  async #reapBrowsers(handle: WorkerHandle): Promise<void> {
    for (const browser of handle.browsers) {
      try {
        const result = await killBrowserTree(browser.pid, browser.profile, BROWSER_KILL_GRACE_MS);
        if (result.signalled.length > 0) {
          this.#logger.warn('Ended the browser left by the worker', { browser_pid: browser.pid, processes: result.signalled.length, forced: result.forced });
        }
      } catch (error) {
        this.#logger.error('Could not end the browser left by the worker', { browser_pid: browser.pid, ...describeError(error) });
      }
    }
  }

  #onExit(handle: WorkerHandle, code: number | null, signal: NodeJS.Signals | null): void {
    if (handle !== this.#worker) return;
    this.#worker = undefined;
    if (handle.stopping) return;
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    this.#logger.error('Worker exited unexpectedly', { worker_pid: handle.pid, code, signal });
    this.store.setWorker({ status: 'BACKOFF', pid: null, memoryMb: null });
    this.store.setState('INIT');
    void handle.exited.then(() => this.#afterFault(`the worker exited (${how})`));
  }

  // Ends the current worker and starts another: now for a recycle, after backoff for a fault. One at a time.
  #replace(why: string, options: ReplaceOptions): Promise<void> {
    if (this.#stopping) return Promise.resolve();
    this.#replacing ??= (async () => {
      const startedAt = Date.now();
      if (options.fault) this.#logger.error('Replacing the worker', { why });
      else this.#logger.info('Recycling the worker', { why });
      this.#cancelRestart();
      this.#clearInitTimer();
      this.store.setState('INIT');
      const worker = this.#worker;
      if (worker) await this.#stopWorker(worker, options.graceMs, options.kill);
      if (this.#stopping) return;
      if (options.fault) this.#afterFault(why);
      else this.#spawn();
      this.#logger.info('Worker replaced', { why, duration_ms: Date.now() - startedAt });
    })().finally(() => {
      this.#replacing = undefined;
    });
    return this.#replacing;
  }

  // Counts a failure, then restarts after backoff, or gives up when they come too often (crash loop).
  #afterFault(why: string): void {
    if (this.#stopping || this.#worker) return;
    const now = Date.now();
    this.#failures = recentFailures([...this.#failures, now], now, this.#policy);
    const decision = decideRestart(this.#failures, now, this.#policy);
    if (decision.action === 'give-up') {
      const last = this.store.snapshot.lastDisconnectReason;
      this.#logger.error('Worker keeps failing; not restarting it', { failures: decision.failures, why, last_reason: last });
      this.store.setWorker({ status: 'CRASH_LOOP', pid: null });
      this.store.setState(
        'DISCONNECTED',
        `CRASH_LOOP: the worker failed ${decision.failures} times in ${Math.round(this.#policy.windowMs / 60_000)} min (last: ${why}${last && !last.startsWith('CRASH_LOOP') ? `; ${last}` : ''}); fix the cause, then send SIGUSR2 or POST /connect`,
      );
      return;
    }
    this.#logger.warn('Restarting the worker after a delay', { why, delay_ms: decision.delayMs, recent_failures: this.#failures.length });
    this.store.setWorker({ status: 'BACKOFF', pid: null });
    this.store.setState('INIT');
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      if (!this.#stopping && !this.#worker) this.#spawn();
    }, decision.delayMs);
  }

  // Measured at each heartbeat (a few small /proc reads every HEARTBEAT_INTERVAL_MS, never per request). Over
  // MEMORY_LIMIT_MB the worker is recycled like on SIGUSR2: sends in flight finish, the login is kept.
  #checkMemory(handle: WorkerHandle): void {
    if (handle !== this.#worker || handle.pid === null) return;
    const memoryMb = treePssMb(handle.pid);
    if (memoryMb !== this.store.snapshot.worker.memoryMb) this.store.setWorker({ memoryMb });
    const limit = this.#config.memoryLimitMb;
    if (limit > 0 && memoryMb > limit && !this.#replacing) {
      this.#logger.warn('The worker uses more memory than allowed; recycling it', { memory_mb: memoryMb, limit_mb: limit });
      void this.#replace(`memory ${memoryMb} MB over MEMORY_LIMIT_MB=${limit}`, { graceMs: this.#config.shutdownGraceMs, fault: false, kill: false });
    }
  }

  #cancelRestart(): void {
    clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
  }

  // A worker whose session stays in INIT too long (WhatsApp never gets ready) is replaced.
  #watchInit(state: SessionState): void {
    this.#clearInitTimer();
    if (state !== 'INIT') return;
    this.#initTimer = setTimeout(() => {
      this.#initTimer = undefined;
      const worker = this.#live();
      if (worker && this.store.snapshot.state === 'INIT' && !this.#replacing) {
        void this.#replace(`WhatsApp stayed in INIT for ${this.#config.initTimeoutMs} ms`, { graceMs: 0, fault: true, kill: false });
      }
    }, this.#config.initTimeoutMs);
    this.#initTimer.unref();
  }

  #clearInitTimer(): void {
    clearTimeout(this.#initTimer);
    this.#initTimer = undefined;
  }

  // Polite first (the worker closes WhatsApp and exits), then SIGTERM, then SIGKILL; then its browsers.
  async #stopWorker(handle: WorkerHandle, graceMs: number, kill: boolean): Promise<void> {
    handle.stopping = true;
    handle.heartbeat.stop();
    this.store.setWorker({ status: 'STOPPING' });
    if (kill && !handle.hasExited) {
      handle.child.kill('SIGKILL');
    } else if (!handle.hasExited) {
      try {
        await handle.rpc.call('shutdown', { graceMs }, { timeoutMs: graceMs + WORKER_CLOSE_BOUND_MS });
      } catch (error) {
        this.#logger.warn('Worker did not stop politely', describeError(error));
      }
      await Promise.race([handle.exited, delay(KILL_GRACE_MS)]);
      if (!handle.hasExited) {
        this.#logger.warn('Killing the worker', { worker_pid: handle.pid });
        handle.child.kill('SIGTERM');
      }
    }
    await handle.exited;
    if (this.#worker === handle) this.#worker = undefined;
    this.store.setWorker({ pid: null, memoryMb: null });
  }
}
