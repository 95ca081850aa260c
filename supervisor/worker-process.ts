// One forked worker, from fork to reaped: its RPC client, its events, the browsers it launched, and its
// end (a polite stop, then SIGTERM, then SIGKILL; then every browser tree it left, killed by saved pid).
// It keeps its own child: a late kill can never hit the worker that replaced it.
import { AppError } from '../shared/errors.js';
import { describeError, type Logger } from '../shared/logger.js';
import { killBrowserTree, type KillResult } from '../shared/process-tree.js';
import { parseEvent, type WorkerEvent, type WorkerMethods } from '../shared/protocol.js';
import { RpcClient } from '../shared/rpc.js';
import { BROWSER_KILL_GRACE_MS, shutdownCallTimeoutMs, WORKER_KILL_GRACE_MS } from '../shared/timings.js';
import type { ChildHandle } from './fork.js';

export type Method = keyof WorkerMethods;
export type HostEvent = Exclude<WorkerEvent, { kind: 'browser' }>;

export interface WorkerProcessOptions {
  child: ChildHandle;
  maxPendingCalls: number;
  logger: Logger;
  onEvent: (worker: WorkerProcess, event: HostEvent) => void;
  // The process exited (asked to or not); its browsers are being reaped, `exited` resolves once done.
  onExit: (worker: WorkerProcess, how: string) => void;
  reapBrowser?: (pid: number, profile: string) => Promise<KillResult>;
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

// Waits for `promise` at most `ms`; the timer never outlives the wait.
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

export class WorkerProcess {
  readonly rpc: RpcClient<WorkerMethods>;
  readonly spawnedAt = Date.now();
  // Resolves once the process has exited and the browsers it left are gone.
  readonly exited: Promise<void>;
  readonly #child: ChildHandle;
  readonly #logger: Logger;
  readonly #reap: (pid: number, profile: string) => Promise<KillResult>;
  readonly #browsers: { pid: number; profile: string }[] = [];
  #pid: number | null;
  #hello = false;
  #hasExited = false;
  #stopping = false;

  constructor(options: WorkerProcessOptions) {
    const { child, logger } = options;
    this.#child = child;
    this.#logger = logger;
    this.#pid = child.pid ?? null;
    this.#reap = options.reapBrowser ?? ((pid, profile) => killBrowserTree(pid, profile, BROWSER_KILL_GRACE_MS));
    this.rpc = new RpcClient<WorkerMethods>(child.channel, { maxPending: options.maxPendingCalls, timeoutError });
    child.channel.subscribe((message) => {
      const event = parseEvent(message);
      if (event) this.#onEvent(event, options.onEvent);
    });
    child.onDisconnect(() => this.rpc.close((method) => workerGoneError(method, 'The WhatsApp worker closed its channel')));
    let markExited: () => void = () => undefined;
    this.exited = new Promise<void>((resolve) => (markExited = resolve));
    child.onExit((code, signal) => {
      this.#hasExited = true;
      this.rpc.close((method) => workerGoneError(method, 'The WhatsApp worker exited'));
      void this.#reapBrowsers().finally(markExited);
      options.onExit(this, signal ? `signal ${signal}` : `exit code ${code}`);
    });
  }

  get pid(): number | null {
    return this.#pid;
  }

  // The worker said hello: its modules are loaded and it answers calls.
  get hello(): boolean {
    return this.#hello;
  }

  // Running, and not being stopped: calls may go to it.
  get live(): boolean {
    return !this.#hasExited && !this.#stopping;
  }

  get hasExited(): boolean {
    return this.#hasExited;
  }

  call<K extends Method>(method: K, params: WorkerMethods[K]['params'], timeoutMs: number): Promise<WorkerMethods[K]['result']> {
    return this.rpc.call(method, params, { timeoutMs });
  }

  // Polite first (the worker lets calls in flight finish for graceMs, closes WhatsApp and exits), then
  // SIGTERM, then SIGKILL; resolves once it and its browsers are gone.
  async stop(graceMs: number): Promise<void> {
    this.#stopping = true;
    // One that never said hello has no client yet and cannot answer: SIGTERM at once.
    if (!this.#hasExited && !this.#hello) this.#child.kill('SIGTERM');
    if (!this.#hasExited && this.#hello) {
      try {
        await this.call('shutdown', { graceMs }, shutdownCallTimeoutMs(graceMs));
      } catch (error) {
        this.#logger.warn('Worker did not stop politely', describeError(error));
      }
      await within(this.exited, WORKER_KILL_GRACE_MS);
      if (!this.#hasExited) {
        this.#logger.warn('Killing the worker', { worker_pid: this.#pid });
        this.#child.kill('SIGTERM');
      }
    }
    await this.exited;
  }

  // For a worker that does not answer anyway: SIGKILL now, then its browsers.
  async kill(): Promise<void> {
    this.#stopping = true;
    if (!this.#hasExited) this.#child.kill('SIGKILL');
    await this.exited;
  }

  #onEvent(event: WorkerEvent, forward: WorkerProcessOptions['onEvent']): void {
    switch (event.kind) {
      // Kept even from a stopping worker: it may still die before closing them.
      case 'browser':
        this.#browsers.push({ pid: event.pid, profile: event.profile });
        this.#logger.info('Worker launched a browser', { worker_pid: this.#pid, browser_pid: event.pid });
        return;
      case 'hello':
        this.#pid = event.pid;
        this.#hello = true;
        this.#logger.info('Worker ready for calls', { worker_pid: event.pid, spawn_ms: Date.now() - this.spawnedAt });
        break;
      case 'state':
        break;
    }
    forward(this, event);
  }

  // A dead worker cannot close its browser: end every browser tree it launched (if still running).
  async #reapBrowsers(): Promise<void> {
    for (const browser of this.#browsers) {
      try {
        const result = await this.#reap(browser.pid, browser.profile);
        if (!result.gone) {
          this.#logger.error('Could not end the browser left by the worker: some of its processes survived SIGKILL', { browser_pid: browser.pid });
        } else if (result.signalled.length > 0) {
          this.#logger.warn('Ended the browser left by the worker', { browser_pid: browser.pid, processes: result.signalled.length, forced: result.forced });
        }
      } catch (error) {
        this.#logger.error('Could not end the browser left by the worker', { browser_pid: browser.pid, ...describeError(error) });
      }
    }
  }
}
