// What the HTTP layer calls: each call goes to the session's worker, or is refused from memory when there
// is none (restarting, stopped, shutting down). The worker's lifecycle is worker-lifecycle.ts's.
import { AppError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { AccountInfo, SendParams, SendResult, WorkerMethods } from '../shared/protocol.js';
import { isStatefulCall, notInStateError } from '../shared/state.js';
import type { SessionService } from './session-service.js';
import type { SessionSnapshot, SnapshotListener } from './session-state.js';
import { WorkerLifecycle, type WorkerLifecycleOptions } from './worker-lifecycle.js';
import type { Method } from './worker-process.js';

export interface WorkerHostOptions extends WorkerLifecycleOptions {
  // Deletes the saved login while no worker runs (a logout asked for then).
  forgetLogin: () => Promise<void>;
}

export class WorkerHost implements SessionService {
  readonly #lifecycle: WorkerLifecycle;
  readonly #options: WorkerHostOptions;
  readonly #logger: Logger;

  constructor(options: WorkerHostOptions) {
    this.#options = options;
    this.#logger = options.logger;
    this.#lifecycle = new WorkerLifecycle(options);
  }

  snapshot(): SessionSnapshot {
    return this.#lifecycle.snapshot();
  }

  subscribe(listener: SnapshotListener): () => void {
    return this.#lifecycle.subscribe(listener);
  }

  start(): void {
    this.#lifecycle.start();
  }

  getQr(): Promise<{ qr: string }> {
    return this.#call('getQr', null, this.#options.config.callTimeoutMs);
  }

  requestPairingCode(phone: string): Promise<{ code: string }> {
    return this.#call('requestPairingCode', { phone }, this.#options.config.callTimeoutMs);
  }

  getAccountInfo(): Promise<AccountInfo> {
    return this.#call('getAccountInfo', null, this.#options.config.callTimeoutMs);
  }

  async send(params: SendParams): Promise<SendResult> {
    const timeoutMs = this.#options.config.sendTimeoutMs;
    const worker = this.#lifecycle.worker;
    try {
      return await this.#call('send', params, timeoutMs);
    } catch (error) {
      // A send that never returns means a stuck page or worker: replace it (its caller already has 504).
      if (error instanceof AppError && error.code === 'WORKER_TIMEOUT' && worker && worker === this.#lifecycle.worker) {
        void this.#lifecycle.replace(`a send did not finish within ${timeoutMs} ms`, { fault: true, graceMs: 0, kill: false, cause: 'send_timeout' });
      }
      throw error;
    }
  }

  // The operator's disconnect wins: a restart under way is cancelled, never answered 200 and then undone.
  async disconnect(options: { logout: boolean }): Promise<void> {
    if (this.#lifecycle.worker) {
      await this.#call('disconnect', options, this.#options.config.sendTimeoutMs);
      return;
    }
    this.#refuseWhileStopping();
    // A later /connect, SIGUSR2 or stop that took over meanwhile wins.
    if (!(await this.#lifecycle.idle())) return;
    if (options.logout) {
      this.#logger.warn('Logout without a running client: the saved login is deleted, but the phone still lists this device until it is removed there');
      await this.#options.forgetLogin();
    }
    this.#lifecycle.disconnected(options.logout ? 'LOGOUT_REQUESTED' : 'DISCONNECT_REQUESTED');
  }

  // Brings a DISCONNECTED session back; a no-op for a worker already running its client.
  async connect(): Promise<void> {
    if (this.#lifecycle.worker) {
      await this.#call('connect', null, this.#options.config.sendTimeoutMs);
      return;
    }
    this.#refuseWhileStopping();
    this.#lifecycle.startNow();
  }

  // Replaces the worker with a fresh one (SIGUSR2): calls in flight get the grace period, the port stays up.
  recycle(why: string): Promise<void> {
    return this.#lifecycle.recycle(why);
  }

  // Stops the worker for good (SIGINT/SIGTERM): calls in flight get the grace period. Idempotent.
  stop(): Promise<void> {
    return this.#lifecycle.stop();
  }

  #refuseWhileStopping(): void {
    if (this.#lifecycle.stopped) throw new AppError('SHUTTING_DOWN');
  }

  #call<K extends Method>(method: K, params: WorkerMethods[K]['params'], timeoutMs: number): Promise<WorkerMethods[K]['result']> {
    const worker = this.#lifecycle.worker;
    if (worker) return worker.call(method, params, timeoutMs);
    if (this.#lifecycle.stopped) return Promise.reject(new AppError('SHUTTING_DOWN'));
    // No worker to ask: a call that needs a state is refused as such (the state is not the one it needs).
    if (isStatefulCall(method)) return Promise.reject(notInStateError(method, this.snapshot().state));
    return Promise.reject(new AppError('WORKER_UNAVAILABLE', { message: 'The WhatsApp worker is restarting; try again shortly' }));
  }
}
