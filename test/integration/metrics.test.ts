// GET /metrics of the real service (supervisor and worker processes, simulated driver): the counters move
// with what really happens, sends, a SIGUSR2 recycle, the worker's memory measured by the heartbeat.
import { expect } from 'chai';
import { postJson, request } from '../support/http.js';
import { sample } from '../support/metrics.js';
import { startService, type ServiceProcess } from '../support/service-process.js';

const TOKEN = 'integration-metrics';
const SEND = { cliente_id: 51, to: '5491123456789', message: 'Hola' };

describe('GET /metrics of the real service', function () {
  this.timeout(30_000);
  let service: ServiceProcess;

  afterEach(async () => {
    await service?.cleanup();
  });

  // Like service.waitForState, with the token (/status needs it too).
  const waitReady = async (): Promise<void> => {
    const deadline = Date.now() + 10_000;
    while ((await request(`${service.url}/status`, { headers: { Authorization: `Bearer ${TOKEN}` } })).body.state !== 'READY') {
      if (Date.now() > deadline) throw new Error('not READY within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };

  const scrape = async (): Promise<string> => {
    const response = await fetch(`${service.url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(response.status).to.equal(200);
    return response.text();
  };

  it('shows READY=1, counts a send and a refused one, the recycle by SIGUSR2, and the worker memory', async () => {
    service = await startService({ env: { API_TOKEN: TOKEN, FAKE_SCAN_DELAY_MS: '0', HEARTBEAT_INTERVAL_MS: '200' } });
    await waitReady();
    const auth = { Authorization: `Bearer ${TOKEN}` };
    expect((await postJson(`${service.url}/send`, SEND, auth)).status).to.equal(200);
    expect((await postJson(`${service.url}/send`, { ...SEND, to: '0000123456789' }, auth)).status).to.equal(422);

    let text = await scrape();
    expect(sample(text, 'session_manager_session_state', { state: 'READY', cliente_id: '51' })).to.equal(1);
    expect(sample(text, 'session_manager_sends_total', { result: 'ok' })).to.equal(1);
    expect(sample(text, 'session_manager_sends_total', { result: 'NUMBER_NOT_ON_WHATSAPP' })).to.equal(1);
    expect(sample(text, 'session_manager_send_duration_seconds_count')).to.equal(2);
    expect(sample(text, 'session_manager_worker_restarts_total', { cause: 'recycle' })).to.equal(0);
    expect(sample(text, 'session_manager_supervisor_rss_bytes')).to.be.above(0);

    service.child.kill('SIGUSR2');
    await service.waitForLog((line) => line.message === 'Worker replaced');
    await waitReady();
    // The heartbeat (every 200 ms here) measures the worker's tree; /metrics shows the last measurement.
    const deadline = Date.now() + 5000;
    while (!((sample((text = await scrape()), 'session_manager_worker_pss_bytes') ?? 0) > 1024 * 1024) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(sample(text, 'session_manager_worker_restarts_total', { cause: 'recycle' })).to.equal(1);
    expect(sample(text, 'session_manager_session_state', { state: 'READY' })).to.equal(1);
    expect(sample(text, 'session_manager_session_state_changes_total', { from: 'READY', to: 'INIT' })).to.equal(1);
    expect(sample(text, 'session_manager_worker_pss_bytes')).to.be.above(1024 * 1024);

    const refused = await fetch(`${service.url}/metrics`);
    expect(refused.status).to.equal(401);
  });
});
