// GET /metrics through the Koa app, over the stand-in: Prometheus text, behind API_TOKEN, and the sends the
// app answers show up in it.
import { expect } from 'chai';
import { AppError } from '../../../shared/errors.js';
import { createApp } from '../../../supervisor/http/app.js';
import { ServiceMetrics } from '../../../supervisor/metrics.js';
import { postJson, request, serve, type TestServer } from '../../support/http.js';
import { captureLogger, type CapturedLogger } from '../../support/logger.js';
import { sample } from '../../support/metrics.js';
import { SessionStandIn } from '../../support/session-stand-in.js';

const SEND = { cliente_id: 51, to: '5491123456789', message: 'Hello' };
const TOKEN = 'metrics-token';

describe('GET /metrics', function () {
  let service: SessionStandIn;
  let metrics: ServiceMetrics;
  let server: TestServer;
  let log: CapturedLogger;

  async function start(apiToken?: string): Promise<void> {
    service = new SessionStandIn();
    log = captureLogger();
    metrics = new ServiceMetrics({ clienteId: 51, queueDepth: () => 0 });
    metrics.observe({ snapshot: () => service.snapshot(), subscribe: (listener) => service.store.subscribe(listener) });
    const sender = metrics.countSends(service);
    server = await serve(createApp({ clienteId: 51, apiToken, service, sender, logger: log.logger, metrics: metrics.registry }));
  }

  const scrape = async (headers: Record<string, string> = {}): Promise<{ status: number; type: string; text: string }> => {
    const response = await fetch(`${server.url}/metrics`, { headers });
    return { status: response.status, type: response.headers.get('content-type') ?? '', text: await response.text() };
  };

  afterEach(async function () {
    await server.close();
    metrics.close();
  });

  it('answers the Prometheus text format with every metric of the service', async function () {
    await start();
    const { status, type, text } = await scrape();
    expect(status).to.equal(200);
    expect(type).to.equal('text/plain; version=0.0.4; charset=utf-8');
    for (const name of [
      'session_manager_session_state',
      'session_manager_session_state_changes_total',
      'session_manager_worker_restarts_total',
      'session_manager_sends_total',
      'session_manager_send_duration_seconds',
      'session_manager_send_queue_depth',
      'session_manager_supervisor_rss_bytes',
      'session_manager_worker_pss_bytes',
      'session_manager_browser_pss_bytes',
    ]) {
      expect(text).to.contain(`# TYPE ${name} `);
    }
    expect(sample(text, 'session_manager_session_state', { state: 'INIT', cliente_id: '51' })).to.equal(1);
  });

  it('follows the session: the state gauge and the change counter move with it', async function () {
    await start();
    service.setState('READY');
    const { text } = await scrape();
    expect(sample(text, 'session_manager_session_state', { state: 'READY' })).to.equal(1);
    expect(sample(text, 'session_manager_session_state_changes_total', { from: 'INIT', to: 'READY' })).to.equal(1);
  });

  it('counts the sends the app answered, by result, but not requests refused by validation', async function () {
    await start();
    await postJson(`${server.url}/send`, SEND);
    service.failWith = new AppError('SESSION_NOT_READY');
    expect((await postJson(`${server.url}/send`, SEND)).status).to.equal(409);
    expect((await postJson(`${server.url}/send`, { ...SEND, to: 'abc' })).status).to.equal(400);
    const { text } = await scrape();
    expect(sample(text, 'session_manager_sends_total', { result: 'ok' })).to.equal(1);
    expect(sample(text, 'session_manager_sends_total', { result: 'SESSION_NOT_READY' })).to.equal(1);
    expect(text).not.to.contain('INVALID_PHONE_NUMBER');
  });

  it('needs the bearer token when API_TOKEN is set, while /health still does not', async function () {
    await start(TOKEN);
    const refused = await scrape();
    expect(refused.status).to.equal(401);
    expect(JSON.parse(refused.text)).to.include({ ok: false, code: 'UNAUTHORIZED' });
    expect((await scrape({ Authorization: `Bearer ${TOKEN}` })).status).to.equal(200);
    expect((await request(`${server.url}/health`)).status).to.equal(200);
  });

  it('logs a successful scrape at debug, like the polled routes', async function () {
    await start();
    await scrape();
    const line = log.lines().find((entry) => entry.path === '/metrics');
    expect(line).to.include({ level: 'debug', status: 200 });
  });

  it('is not a route when the app is built without metrics', async function () {
    await start();
    await server.close();
    server = await serve(createApp({ clienteId: 51, apiToken: undefined, service, sender: service, logger: log.logger }));
    expect((await scrape()).status).to.equal(404);
  });
});
