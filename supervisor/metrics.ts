// What GET /metrics shows (Prometheus text format), in a Registry of its own per service, so that tests can
// build several apps. Nothing here runs per /health or /status request: the state, the queue and the
// supervisor's memory are read when scraped; the worker's memory is the watchdog's last measurement (one
// tree walk per heartbeat, the same one MEMORY_LIMIT_MB uses); counters move where the events happen.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { serializeError } from '../shared/errors.js';
import { treePssKb, type TreePssKb } from '../shared/process-memory.js';
import type { SendParams, SendResult } from '../shared/protocol.js';
import { SESSION_STATES } from '../shared/state.js';
import type { SendOptions, SendOutcome, SendService } from './sender.js';
import type { SessionSnapshot, SnapshotListener } from './session-state.js';
import type { RestartCause } from './worker-phase.js';

const PREFIX = 'session_manager_';
const RESTART_CAUSES: readonly RestartCause[] = ['recycle', 'memory', 'crash', 'hung', 'init_timeout', 'send_timeout', 'manual'];
// A send takes ~20 ms against a local page and up to SEND_TIMEOUT_MS (60 s) when WhatsApp is slow.
export const SEND_DURATION_BUCKETS: readonly number[] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60];

export interface MetricsSession {
  snapshot(): SessionSnapshot;
  subscribe(listener: SnapshotListener): () => void;
}

// The one place webhook delivery plugs in: its backlog and its failures so far, read at each scrape.
export interface WebhookMetricsSource {
  pending(): number;
  failuresTotal(): number;
}

export interface MetricsOptions {
  clienteId: number;
  // Sends waiting in the queue, not counting the one with the worker.
  queueDepth: () => number;
  webhooks?: WebhookMetricsSource;
}

// The result label of a send: `ok`, `replayed` (an Idempotency-Key repeat: nothing sent), or the error code.
function sendResult(outcome: { ok: true; replayed: boolean } | { ok: false; error: unknown }): string {
  if (outcome.ok) return outcome.replayed ? 'replayed' : 'ok';
  const headers = (outcome.error as { headers?: Readonly<Record<string, string>> }).headers;
  return headers?.['Idempotent-Replayed'] === 'true' ? 'replayed' : serializeError(outcome.error).code;
}

export class ServiceMetrics {
  readonly registry = new Registry();
  readonly #restarts: Counter<'cause'>;
  readonly #sends: Counter<'result'>;
  readonly #sendDuration: Histogram;
  readonly #changes: Counter<'from' | 'to'>;
  #session: MetricsSession | undefined;
  #unsubscribe: () => void = () => undefined;
  // The last measurement of the worker's tree; shown while the published snapshot has one.
  #memory: TreePssKb = { rootKb: 0, descendantsKb: 0 };

  constructor(options: MetricsOptions) {
    const { registry } = this;
    registry.setDefaultLabels({ cliente_id: String(options.clienteId) });
    const registers = [registry];
    const snapshot = (): SessionSnapshot | undefined => this.#session?.snapshot();

    new Gauge({
      name: `${PREFIX}session_state`, help: 'The session state: 1 for the current one, 0 for the others', labelNames: ['state'], registers,
      collect() {
        const current = snapshot()?.state;
        for (const state of SESSION_STATES) this.set({ state }, state === current ? 1 : 0);
      },
    });
    this.#changes = new Counter({ name: `${PREFIX}session_state_changes_total`, help: 'Session state changes', labelNames: ['from', 'to'], registers });
    this.#restarts = new Counter({ name: `${PREFIX}worker_restarts_total`, help: 'Workers started after the first, by cause', labelNames: ['cause'], registers });
    for (const cause of RESTART_CAUSES) this.#restarts.inc({ cause }, 0);
    this.#sends = new Counter({ name: `${PREFIX}sends_total`, help: 'POST /send answers past validation, by result: ok, replayed, or the error code', labelNames: ['result'], registers });
    this.#sends.inc({ result: 'ok' }, 0);
    this.#sendDuration = new Histogram({
      name: `${PREFIX}send_duration_seconds`, help: 'Time from the queue handing a send to the worker to its answer, whatever the result',
      buckets: [...SEND_DURATION_BUCKETS], registers,
    });
    new Gauge({ name: `${PREFIX}send_queue_depth`, help: 'Sends waiting in the queue', registers, collect() { this.set(options.queueDepth()); } });
    new Gauge({ name: `${PREFIX}supervisor_rss_bytes`, help: 'Resident memory of the supervisor process', registers, collect() { this.set(process.memoryUsage.rss()); } });
    const known = (): boolean => (snapshot()?.worker.memoryMb ?? null) !== null;
    const memory = (): TreePssKb => this.#memory;
    new Gauge({
      name: `${PREFIX}worker_pss_bytes`, help: 'PSS of the worker process at the last heartbeat (0 when not measured)', registers,
      collect() { this.set(known() ? memory().rootKb * 1024 : 0); },
    });
    new Gauge({
      name: `${PREFIX}browser_pss_bytes`, help: "PSS of the worker's Chromium and its helpers at the last heartbeat (0 when not measured)", registers,
      collect() { this.set(known() ? memory().descendantsKb * 1024 : 0); },
    });
    if (options.webhooks) this.#addWebhooks(options.webhooks);
  }

  // The session whose state is shown and whose state changes are counted from now on.
  observe(session: MetricsSession): void {
    this.#unsubscribe();
    this.#session = session;
    this.#unsubscribe = session.subscribe((next, previous) => {
      if (next.state !== previous.state) this.#changes.inc({ from: previous.state, to: next.state });
    });
  }

  // For the worker lifecycle's onRestart.
  workerRestarted(cause: RestartCause): void {
    this.#restarts.inc({ cause });
  }

  // For the watchdogs: measures the worker's tree once, keeps the split for the gauges, returns the total.
  readonly measureWorkerMemoryMb = (pid: number): number => {
    this.#memory = treePssKb(pid);
    return Math.round((this.#memory.rootKb + this.#memory.descendantsKb) / 1024);
  };

  // The Sender's dispatch to the worker, timed.
  timeDispatch(dispatch: (params: SendParams) => Promise<SendResult>): (params: SendParams) => Promise<SendResult> {
    return (params) => {
      const end = this.#sendDuration.startTimer();
      return dispatch(params).finally(() => end());
    };
  }

  // The send service the HTTP app calls, with each answer counted by result.
  countSends(sender: SendService): SendService {
    return {
      send: async (params: SendParams, options?: SendOptions): Promise<SendOutcome> => {
        try {
          const outcome = await sender.send(params, options);
          this.#sends.inc({ result: sendResult({ ok: true, replayed: outcome.replayed }) });
          return outcome;
        } catch (error) {
          this.#sends.inc({ result: sendResult({ ok: false, error }) });
          throw error;
        }
      },
    };
  }

  close(): void {
    this.#unsubscribe();
  }

  #addWebhooks(source: WebhookMetricsSource): void {
    const registers = [this.registry];
    new Gauge({ name: `${PREFIX}webhook_pending`, help: 'Webhook deliveries waiting or being retried', registers, collect() { this.set(source.pending()); } });
    new Counter({
      name: `${PREFIX}webhook_failures_total`, help: 'Webhook deliveries that failed', registers,
      collect() {
        this.reset();
        this.inc(source.failuresTotal());
      },
    });
  }
}
