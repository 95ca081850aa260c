import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { AppError } from '../../shared/errors.js';
import type { SendParams, SendResult } from '../../shared/protocol.js';
import { SEND_DURATION_BUCKETS, ServiceMetrics, type MetricsSession } from '../../supervisor/metrics.js';
import type { SendService } from '../../supervisor/sender.js';
import { SessionStateStore } from '../../supervisor/session-state.js';
import { rejectionOf } from '../support/promises.js';
import { sample } from '../support/metrics.js';

const SEND: SendParams = { to: '5491123456789', message: 'Hola' };

describe('ServiceMetrics', function () {
  let store: SessionStateStore;
  let depth: number;
  let metrics: ServiceMetrics;

  const text = (): Promise<string> => metrics.registry.metrics();
  const session = (): MetricsSession => ({
    snapshot: () => store.snapshot,
    subscribe: (listener) => store.subscribe(listener),
  });

  beforeEach(function () {
    store = new SessionStateStore();
    depth = 0;
    metrics = new ServiceMetrics({ clienteId: 51, queueDepth: () => depth });
    metrics.observe(session());
  });

  afterEach(function () {
    metrics.close();
  });

  it('shows 1 for the current session state and 0 for the others, read when scraped', async function () {
    expect(sample(await text(), 'session_manager_session_state', { state: 'INIT' })).to.equal(1);
    store.setState('READY');
    const scraped = await text();
    expect(sample(scraped, 'session_manager_session_state', { state: 'READY', cliente_id: '51' })).to.equal(1);
    for (const state of ['INIT', 'QR_REQUIRED', 'DISCONNECTED']) expect(sample(scraped, 'session_manager_session_state', { state })).to.equal(0);
  });

  it('counts state changes by from and to, not updates that keep the state', async function () {
    store.setState('QR_REQUIRED');
    store.setState('INIT');
    store.setState('READY');
    store.setWorker({ memoryMb: 10 });
    store.setState('DISCONNECTED', 'LOGOUT');
    store.setState('INIT');
    store.setState('READY');
    const scraped = await text();
    expect(sample(scraped, 'session_manager_session_state_changes_total', { from: 'INIT', to: 'READY' })).to.equal(2);
    expect(sample(scraped, 'session_manager_session_state_changes_total', { from: 'READY', to: 'DISCONNECTED' })).to.equal(1);
    expect(sample(scraped, 'session_manager_session_state_changes_total', { from: 'READY', to: 'INIT' })).to.equal(undefined);
  });

  it('counts worker restarts by cause, every cause shown from 0', async function () {
    metrics.workerRestarted('recycle');
    metrics.workerRestarted('crash');
    metrics.workerRestarted('crash');
    const scraped = await text();
    expect(sample(scraped, 'session_manager_worker_restarts_total', { cause: 'recycle' })).to.equal(1);
    expect(sample(scraped, 'session_manager_worker_restarts_total', { cause: 'crash' })).to.equal(2);
    expect(sample(scraped, 'session_manager_worker_restarts_total', { cause: 'memory' })).to.equal(0);
  });

  it('counts sends by result: ok, replayed, or the error code', async function () {
    const results: (Error | { replayed: boolean })[] = [
      { replayed: false },
      { replayed: true },
      new AppError('QUEUE_FULL'),
      new AppError('SEND_FAILED'),
      new AppError('SEND_OUTCOME_UNKNOWN', { headers: { 'Idempotent-Replayed': 'true' } }),
      new Error('a bug'),
    ];
    const inner: SendService = {
      send: async () => {
        const next = results.shift();
        if (next instanceof Error) throw next;
        return { messageId: 'id', replayed: next?.replayed ?? false };
      },
    };
    const counted = metrics.countSends(inner);
    for (let i = 0; i < 6; i += 1) await counted.send(SEND).catch(() => undefined);
    const scraped = await text();
    expect(sample(scraped, 'session_manager_sends_total', { result: 'ok' })).to.equal(1);
    expect(sample(scraped, 'session_manager_sends_total', { result: 'replayed' })).to.equal(2);
    expect(sample(scraped, 'session_manager_sends_total', { result: 'QUEUE_FULL' })).to.equal(1);
    expect(sample(scraped, 'session_manager_sends_total', { result: 'SEND_FAILED' })).to.equal(1);
    expect(sample(scraped, 'session_manager_sends_total', { result: 'INTERNAL_ERROR' })).to.equal(1);
  });

  it('times each dispatched send in seconds, failed ones too, in buckets from 50 ms to 60 s', async function () {
    expect(SEND_DURATION_BUCKETS[0]).to.equal(0.05);
    expect(SEND_DURATION_BUCKETS.at(-1)).to.equal(60);
    const dispatch = metrics.timeDispatch(async (): Promise<SendResult> => {
      await new Promise((resolve) => setTimeout(resolve, 65));
      return { messageId: 'id' };
    });
    await dispatch(SEND);
    const failing = metrics.timeDispatch(() => Promise.reject(new AppError('SEND_FAILED')));
    expect(await rejectionOf(failing(SEND))).to.have.property('code', 'SEND_FAILED');
    const scraped = await text();
    expect(sample(scraped, 'session_manager_send_duration_seconds_count')).to.equal(2);
    expect(sample(scraped, 'session_manager_send_duration_seconds_bucket', { le: '0.05' })).to.equal(1);
    expect(sample(scraped, 'session_manager_send_duration_seconds_sum')).to.be.at.least(0.06);
    expect(sample(scraped, 'session_manager_send_duration_seconds_bucket', { le: '+Inf' })).to.equal(2);
  });

  it('reads the queue depth and the supervisor RSS when scraped', async function () {
    depth = 7;
    const scraped = await text();
    expect(sample(scraped, 'session_manager_send_queue_depth')).to.equal(7);
    expect(sample(scraped, 'session_manager_supervisor_rss_bytes')).to.be.above(10 * 1024 * 1024);
  });

  it("shows the worker's and its browser's memory from the watchdog's last measurement, 0 while there is none", async function () {
    expect(sample(await text(), 'session_manager_worker_pss_bytes')).to.equal(0);
    // This test process stands in for the worker: a real tree, measured once, as the watchdog does.
    const totalMb = metrics.measureWorkerMemoryMb(process.pid);
    store.setWorker({ memoryMb: totalMb });
    const scraped = await text();
    const worker = sample(scraped, 'session_manager_worker_pss_bytes') ?? 0;
    const browser = sample(scraped, 'session_manager_browser_pss_bytes') ?? 0;
    expect(worker).to.be.above(1024 * 1024);
    expect(Math.round((worker + browser) / 1024 / 1024)).to.be.closeTo(totalMb, 1);
    store.setWorker({ memoryMb: null });
    expect(sample(await text(), 'session_manager_worker_pss_bytes')).to.equal(0);
  });

  it('keeps each service in its own registry', async function () {
    const other = new ServiceMetrics({ clienteId: 52, queueDepth: () => 0 });
    metrics.workerRestarted('hung');
    expect(sample(await other.registry.metrics(), 'session_manager_worker_restarts_total', { cause: 'hung' })).to.equal(0);
    expect(sample(await other.registry.metrics(), 'session_manager_session_state', { cliente_id: '52', state: 'INIT' })).to.equal(0);
    other.close();
  });

  it('shows webhook backlog and failures from the source plugged in, and nothing of them without one', async function () {
    expect(await text()).not.to.contain('webhook');
    let failures = 3;
    const withHooks = new ServiceMetrics({ clienteId: 51, queueDepth: () => 0, webhooks: { pending: () => 4, failuresTotal: () => failures } });
    expect(sample(await withHooks.registry.metrics(), 'session_manager_webhook_pending')).to.equal(4);
    expect(sample(await withHooks.registry.metrics(), 'session_manager_webhook_failures_total')).to.equal(3);
    failures = 5;
    expect(sample(await withHooks.registry.metrics(), 'session_manager_webhook_failures_total')).to.equal(5);
  });
});

describe('the README metrics table', function () {
  it('lists exactly the metrics the service can show, with their types', async function () {
    const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
    const start = readme.indexOf('\n### GET /metrics');
    const section = readme.slice(start, readme.indexOf('\n### ', start + 1));
    const documented = [...section.matchAll(/^\| `(session_manager_\w+)` \| (\w+) \|/gm)].map((match) => [match[1], match[2]]);
    const all = new ServiceMetrics({ clienteId: 51, queueDepth: () => 0, webhooks: { pending: () => 0, failuresTotal: () => 0 } });
    const shown = (await all.registry.getMetricsAsJSON()).map((metric) => [metric.name, String(metric.type)]);
    expect(documented).to.deep.equal(shown);
  });
});
