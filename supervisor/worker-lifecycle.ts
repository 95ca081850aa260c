// Keeps one worker running for the session: start, recycle (SIGUSR2), stop, replace on a fault, back off
// and give up on a crash loop. Its phase is one value (the published worker.status), and it is the one
// writer of the session state. The child process itself is worker-process.ts's; watchdogs.ts decides when
// a worker must be replaced, restart-policy.ts how long to wait; worker-host.ts routes the calls.
import type { Config } from '../shared/config.js';
import type { Logger } from '../shared/logger.js';
import { describeError } from '../shared/logger.js';
import { treePssMb } from '../shared/process-memory.js';
import type { Fork } from './fork.js';
import { restartPolicyFrom, RestartGuard } from './restart-policy.js';
import { SessionStateStore, type SessionSnapshot, type SnapshotListener } from './session-state.js';
import { replacementFor, watchdogsFor, type WatchdogFault } from './watchdogs.js';
import { isActive, leave, type Active, type After, type Phase, type ReplaceOptions, type RestartCause, type Stopping } from './worker-phase.js';
import { WorkerProcess, type HostEvent } from './worker-process.js';

export interface WorkerLifecycleOptions {
  config: Config;
  logger: Logger;
  fork: Fork;
  measureMemoryMb?: (pid: number) => number;
  // WhatsApp's acks of sent messages, from any worker of this session (one stopping too: an ack is news
  // whichever page saw it).
  onMessage?: (event: Extract<HostEvent, { kind: 'message' }>) => void;
  // Each worker started after the first (worker.restarts + 1), with why.
  onRestart?: (cause: RestartCause) => void;
}

const STOP_NOW = 0;

export class WorkerLifecycle {
  readonly #store = new SessionStateStore();
  readonly #options: WorkerLifecycleOptions;
  readonly #config: Config;
  readonly #logger: Logger;
  readonly #restarts: RestartGuard;
  #phase: Phase = { name: 'IDLE' };
  #spawns = 0;
  #stopped: Promise<void> | undefined;

  constructor(options: WorkerLifecycleOptions) {
    this.#options = options;
    this.#config = options.config;
    this.#logger = options.logger;
    this.#restarts = new RestartGuard(restartPolicyFrom(this.#config));
    this.#store.subscribe((next, previous) => {
      if (next.state === previous.state) return;
      this.#logger.info('WhatsApp state', { state: next.state, previous: previous.state, reason: next.lastDisconnectReason });
      if (isActive(this.#phase)) this.#phase.watchdogs.onState(next.state);
    });
  }

  snapshot(): SessionSnapshot {
    return this.#store.snapshot;
  }

  subscribe(listener: SnapshotListener): () => void {
    return this.#store.subscribe(listener);
  }

  start(): void {
    if (this.#phase.name === 'IDLE' && !this.#stopped) this.#launch(this.#spawn('manual'));
  }

  // The session's worker, while it may take calls.
  get worker(): WorkerProcess | undefined {
    const phase = this.#phase;
    return isActive(phase) && phase.worker.live && !this.#stopped ? phase.worker : undefined;
  }

  get stopped(): boolean {
    return this.#stopped !== undefined;
  }

  // A manual start (POST /connect with no worker): past failures are forgiven, a worker starts now (or,
  // while one stops, right after it).
  startNow(): void {
    if (this.#stopped) return;
    this.#restarts.forgive();
    const phase = this.#phase;
    if (phase.name === 'STOPPING') return this.#retarget(phase, 'restart');
    leave(phase);
    if (phase.name === 'BACKOFF' || phase.name === 'IDLE' || phase.name === 'CRASH_LOOP') this.#launch(this.#spawn('manual'));
  }

  // The operator's disconnect with no worker to ask: a restart under way is cancelled (never answered and
  // then undone). Resolves true once IDLE; false when a later request took over meanwhile.
  async idle(): Promise<boolean> {
    const phase = this.#phase;
    if (phase.name === 'STOPPING') {
      this.#retarget(phase, 'idle');
      await phase.done;
    } else if (!isActive(phase) && phase.name !== 'SHUT_DOWN') {
      leave(phase);
      this.#setPhase({ name: 'IDLE' });
    }
    return this.#phase.name === 'IDLE';
  }

  // What the session is while IDLE by request.
  disconnected(reason: string): void {
    if (this.#phase.name === 'IDLE') this.#store.setState('DISCONNECTED', reason);
  }

  // Replaces the worker with a fresh one: calls in flight get the grace period, the port stays up.
  recycle(why: string): Promise<void> {
    if (this.#stopped) return this.#stopped;
    const phase = this.#phase;
    if (!isActive(phase)) {
      this.startNow();
      return this.#phase.name === 'STOPPING' ? this.#phase.done : Promise.resolve();
    }
    this.#restarts.forgive();
    return this.replace(why, { fault: false, graceMs: this.#config.shutdownGraceMs, kill: false, cause: 'recycle' });
  }

  // Stops the worker for good (SIGINT/SIGTERM): calls in flight get the grace period. Idempotent.
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      const phase = this.#phase;
      if (isActive(phase)) {
        phase.watchdogs.stop();
        await this.#stopWorker(phase.worker, 'shut-down', 'the service is stopping', 'manual', () => phase.worker.stop(this.#config.shutdownGraceMs));
      } else if (phase.name === 'STOPPING') {
        this.#retarget(phase, 'shut-down');
        await phase.done;
      } else {
        leave(phase);
        this.#setPhase({ name: 'SHUT_DOWN' });
      }
    })();
    return this.#stopped;
  }

  #spawn(cause: RestartCause): WorkerProcess {
    if (this.#spawns++ > 0) {
      this.#store.setWorker({ restarts: this.#store.snapshot.worker.restarts + 1 });
      this.#options.onRestart?.(cause);
    }
    return new WorkerProcess({
      child: this.#options.fork(),
      maxPendingCalls: this.#config.maxPendingCalls,
      logger: this.#logger,
      onEvent: (worker, event) => this.#onEvent(worker, event),
      onExit: (worker, how) => this.#onExit(worker, how),
    });
  }

  // Makes `worker` the session's and asks it to start its client: the profile is free by now.
  #launch(worker: WorkerProcess): void {
    const watchdogs = watchdogsFor(worker, this.#config, this.#options.measureMemoryMb ?? treePssMb, {
      onMemory: (memoryMb) => {
        if (memoryMb !== this.#store.snapshot.worker.memoryMb) this.#store.setWorker({ memoryMb });
      },
      onFault: (fault) => this.#onWatchdog(fault),
    });
    const phase: Active = { name: 'STARTING', worker, watchdogs };
    this.#setPhase(phase);
    this.#store.setState('INIT');
    watchdogs.onState(this.#store.snapshot.state);
    if (worker.hello) this.#run(phase);
  }

  // The worker answers calls (it said hello): watch it, and have it start its client.
  #run(phase: Active): void {
    this.#setPhase({ ...phase, name: 'RUNNING' });
    phase.watchdogs.startHeartbeat();
    phase.worker.call('start', null, this.#config.callTimeoutMs).catch((error: unknown) => {
      // A worker that died meanwhile is handled by its exit.
      if (phase.worker.live) this.#logger.warn('The worker did not start its client', describeError(error));
    });
  }

  #onEvent(worker: WorkerProcess, event: HostEvent): void {
    if (event.kind === 'message') return this.#options.onMessage?.(event);
    const phase = this.#phase;
    // Only the session's worker speaks for the session (not one stopping, nor one forked ahead).
    if (!isActive(phase) || phase.worker !== worker) return;
    if (event.kind === 'hello') return this.#run(phase);
    if (event.kind === 'restore') return this.#store.setLastRestore({ at: event.at, snapshot: event.snapshot });
    this.#store.setState(event.state, event.reason);
  }

  #onExit(worker: WorkerProcess, how: string): void {
    const phase = this.#phase;
    const active = isActive(phase) && phase.worker === worker;
    const forkedAhead = phase.name === 'STOPPING' && phase.next === worker;
    if (!active && !forkedAhead) return;
    this.#logger.error('Worker exited unexpectedly', { worker_pid: worker.pid, how });
    if (active) {
      phase.watchdogs.stop();
      void this.#stopWorker(worker, 'backoff', `the worker exited (${how})`, 'crash', () => worker.exited);
    }
  }

  // Ends the session's worker and starts another: now for a recycle, after backoff for a fault.
  replace(why: string, options: ReplaceOptions): Promise<void> {
    const phase = this.#phase;
    if (phase.name === 'STOPPING') return phase.done;
    if (!isActive(phase)) return Promise.resolve();
    phase.watchdogs.stop();
    if (options.fault) this.#logger.error('Replacing the worker', { why });
    else this.#logger.info('Recycling the worker', { why });
    const { worker } = phase;
    const end = (): Promise<void> => (options.kill ? worker.kill() : worker.stop(options.graceMs));
    return this.#stopWorker(worker, options.fault ? 'backoff' : 'restart', why, options.cause, end);
  }

  #stopWorker(worker: WorkerProcess, then: After, why: string, cause: RestartCause, end: () => Promise<void>): Promise<void> {
    const startedAt = Date.now();
    const phase: Stopping = { name: 'STOPPING', worker, then, why, cause, next: undefined, done: Promise.resolve() };
    this.#setPhase(phase);
    this.#store.setState('INIT');
    if (then === 'restart') phase.next = this.#spawn(cause);
    phase.done = end().then(() => this.#afterStop(phase, startedAt));
    return phase.done;
  }

  #retarget(phase: Stopping, then: After): void {
    if (phase.then === 'shut-down') return;
    phase.then = then;
    // A manual start (POST /connect, SIGUSR2) while the worker stops.
    if (then === 'restart') phase.next ??= this.#spawn('manual');
  }

  async #afterStop(phase: Stopping, startedAt: number): Promise<void> {
    const unused = phase.then === 'restart' ? undefined : phase.next;
    if (unused) {
      phase.next = undefined;
      await unused.stop(STOP_NOW);
    }
    // Read again: a request may have changed what comes next meanwhile.
    switch (phase.then) {
      case 'restart': {
        const next = phase.next && !phase.next.hasExited ? phase.next : undefined;
        if (next) this.#launch(next);
        else this.#afterFault(`the new worker exited before it could start (${phase.why})`, 'crash');
        break;
      }
      case 'backoff':
        this.#afterFault(phase.why, phase.cause);
        break;
      case 'idle':
        this.#setPhase({ name: 'IDLE' });
        return;
      case 'shut-down':
        this.#setPhase({ name: 'SHUT_DOWN' });
        return;
    }
    this.#logger.info('Worker replaced', { why: phase.why, duration_ms: Date.now() - startedAt });
  }

  // Counts a failure, then restarts after backoff, or gives up when they come too often (crash loop).
  #afterFault(why: string, cause: RestartCause): void {
    const next = this.#restarts.next(why, this.#store.snapshot.lastDisconnectReason, this.#logger);
    if (next.reason !== undefined) this.#store.setState('DISCONNECTED', next.reason);
    const timer = next.delayMs === undefined ? undefined : setTimeout(() => this.#wake(timer, cause), next.delayMs);
    this.#setPhase({ name: next.phase, timer });
    if (next.phase === 'BACKOFF') this.#store.setState('INIT');
  }

  // A waiting phase's timer fired: the next worker starts, unless something else happened meanwhile.
  #wake(timer: NodeJS.Timeout | undefined, cause: RestartCause): void {
    const phase = this.#phase;
    if (!('timer' in phase) || phase.timer !== timer) return;
    if (phase.name === 'CRASH_LOOP') {
      this.#logger.warn('Crash loop: trying the worker again', { recent_failures: this.#restarts.recent, reason: this.#store.snapshot.lastDisconnectReason });
    }
    this.#launch(this.#spawn(cause));
  }

  #onWatchdog(fault: WatchdogFault): void {
    if (fault.kind === 'over-memory') {
      this.#logger.warn('The worker uses more memory than allowed; recycling it', { why: fault.why, limit_mb: this.#config.memoryLimitMb });
    }
    void this.replace(fault.why, replacementFor(fault, this.#config.shutdownGraceMs));
  }

  // The one writer of the phase; the published worker details follow it.
  #setPhase(phase: Phase): void {
    this.#phase = phase;
    const worker = 'worker' in phase ? phase.worker : undefined;
    this.#store.setWorker({ status: phase.name, pid: worker?.pid ?? null, ...(worker ? {} : { memoryMb: null }) });
  }
}
