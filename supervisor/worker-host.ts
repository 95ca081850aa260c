// Forks, watches, recycles and stops the worker process; the one writer of the published session state.
import type { ChildProcess } from 'node:child_process';
import { execaNode } from 'execa';
import type { Config } from '../shared/config.js';
import { AppError } from '../shared/errors.js';
import { ipcChannel } from '../shared/ipc-channel.js';
import { describeError, type Logger } from '../shared/logger.js';
import { parseEvent, type AccountInfo, type SendParams, type SendResult, type WorkerMethods } from '../shared/protocol.js';
import { RpcClient } from '../shared/rpc.js';
import type { SessionState } from '../shared/state.js';
import { DEFAULT_RESTART_POLICY, decideRestart, recentFailures, type RestartPolicy } from './restart-policy.js';
import type { SessionService } from './session-service.js';
import { assertState, SessionStateStore, type NotInStateCode, type SessionSnapshot } from './session-state.js';

export interface WorkerHostOptions {
  config: Config;
  logger: Logger;
  // The compiled worker entry point (dist/worker/main.js).
  workerEntry: string;
  // Environment for the worker; defaults to the supervisor's own.
  env?: NodeJS.ProcessEnv;
  restartPolicy?: RestartPolicy;
  // After a polite stop times out: SIGTERM, then SIGKILL this long after.
  killGraceMs?: number;
}

interface WorkerHandle {
  // execa's subprocess: its kill() escalates to SIGKILL after forceKillAfterDelay.
  readonly child: ChildProcess;
  readonly rpc: RpcClient<WorkerMethods>;
  readonly exited: Promise<void>;
  readonly spawnedAt: number;
  pid: number | null;
  hasExited: boolean;
  stopping: boolean;
}

type Method = keyof WorkerMethods;

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
  #failures: number[] = [];
  #spawns = 0;
  #recycling: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;

  constructor(options: WorkerHostOptions) {
    this.#options = options;
    this.#config = options.config;
    this.#logger = options.logger;
    this.#policy = options.restartPolicy ?? DEFAULT_RESTART_POLICY;
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
    return this.#call('send', params, this.#config.sendTimeoutMs);
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
    if (this.#recycling) return;
    // A manual retry: forget past failures and start now.
    this.#cancelRestart();
    this.#failures = [];
    this.#spawn();
  }

  // Replaces the worker with a fresh one; the port and the supervisor stay up. Concurrent calls share one recycle.
  recycle(why: string): Promise<void> {
    if (this.#stopping) return Promise.resolve();
    this.#recycling ??= (async () => {
      const startedAt = Date.now();
      this.#logger.info('Recycling the worker', { why });
      this.#cancelRestart();
      this.#failures = [];
      this.store.setState('INIT');
      const worker = this.#worker;
      if (worker) await this.#stopWorker(worker);
      if (!this.#stopping) this.#spawn();
      this.#logger.info('Worker replaced', { why, duration_ms: Date.now() - startedAt });
    })().finally(() => {
      this.#recycling = undefined;
    });
    return this.#recycling;
  }

  // Stops the worker for good (SIGINT/SIGTERM). Idempotent.
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#cancelRestart();
      await this.#recycling?.catch(() => undefined);
      const worker = this.#worker;
      if (worker) await this.#stopWorker(worker);
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
      forceKillAfterDelay: this.#options.killGraceMs ?? 3000,
    });
    const channel = ipcChannel(child, (error) => this.#logger.warn('IPC send to the worker failed', describeError(error)));
    const rpc = new RpcClient<WorkerMethods>(channel, {
      maxPending: this.#config.maxPendingCalls,
      timeoutError,
    });
    let markExited: () => void = () => undefined;
    const handle: WorkerHandle = {
      child,
      rpc,
      exited: new Promise<void>((resolve) => {
        markExited = resolve;
      }),
      spawnedAt: Date.now(),
      pid: child.pid ?? null,
      hasExited: false,
      stopping: false,
    };
    this.#worker = handle;
    this.store.setWorker({ status: 'STARTING', pid: handle.pid, ...(restart ? { restarts: this.store.snapshot.worker.restarts + 1 } : {}) });
    this.store.setState('INIT');

    child.on('message', (message: unknown) => this.#onMessage(handle, message));
    child.on('error', (error) => this.#logger.error('Worker process error', describeError(error)));
    child.on('disconnect', () => rpc.close((method) => workerGoneError(method, 'The WhatsApp worker closed its channel')));
    child.on('exit', (code, signal) => {
      handle.hasExited = true;
      rpc.close((method) => workerGoneError(method, 'The WhatsApp worker exited'));
      markExited();
      this.#onExit(handle, code, signal);
    });
    // The result is read from 'exit'; this only keeps a failed spawn from being an unhandled rejection.
    child.catch(() => undefined);
  }

  #onMessage(handle: WorkerHandle, message: unknown): void {
    const event = parseEvent(message);
    if (!event || handle !== this.#worker || handle.stopping) return;
    switch (event.kind) {
      case 'hello':
        handle.pid = event.pid;
        this.store.setWorker({ status: 'RUNNING', pid: event.pid });
        this.#logger.info('Worker ready for calls', { worker_pid: event.pid, spawn_ms: Date.now() - handle.spawnedAt });
        return;
      case 'state':
        this.store.setState(event.state, event.reason);
        return;
    }
  }

  #onExit(handle: WorkerHandle, code: number | null, signal: NodeJS.Signals | null): void {
    if (handle !== this.#worker) return;
    this.#worker = undefined;
    if (handle.stopping) return;
    const now = Date.now();
    this.#failures = recentFailures([...this.#failures, now], now, this.#policy);
    const decision = decideRestart(this.#failures, now, this.#policy);
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    this.#logger.error('Worker exited unexpectedly', { worker_pid: handle.pid, code, signal, decision });
    if (decision.action === 'give-up') {
      this.store.setWorker({ status: 'CRASH_LOOP', pid: null });
      this.store.setState(
        'DISCONNECTED',
        `CRASH_LOOP: the worker failed ${decision.failures} times in ${Math.round(this.#policy.windowMs / 60_000)} min (last: ${how}); send SIGUSR2 or POST /connect to retry`,
      );
      return;
    }
    this.store.setWorker({ status: 'BACKOFF', pid: null });
    this.store.setState('INIT');
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      if (!this.#stopping && !this.#worker) this.#spawn();
    }, decision.delayMs);
  }

  #cancelRestart(): void {
    clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
  }

  // Polite first (the worker closes WhatsApp and exits), then SIGTERM, then SIGKILL.
  async #stopWorker(handle: WorkerHandle): Promise<void> {
    handle.stopping = true;
    this.store.setWorker({ status: 'STOPPING' });
    if (!handle.hasExited) {
      try {
        await handle.rpc.call('shutdown', null, { timeoutMs: this.#config.workerStopTimeoutMs });
      } catch (error) {
        this.#logger.warn('Worker did not stop politely', describeError(error));
      }
    }
    await Promise.race([handle.exited, delay(this.#options.killGraceMs ?? 3000)]);
    if (!handle.hasExited) {
      this.#logger.warn('Killing the worker', { worker_pid: handle.pid });
      handle.child.kill('SIGTERM');
    }
    await handle.exited;
    if (this.#worker === handle) this.#worker = undefined;
    this.store.setWorker({ pid: null });
  }
}
