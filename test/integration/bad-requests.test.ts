// Hundreds of malformed requests against the running service: each gets a 4xx JSON error with a code,
// never a 5xx, never a crash, never a send.
import http from 'node:http';
import { expect } from 'chai';
import { badRequests } from '../support/bad-requests.js';
import { request } from '../support/http.js';
import { outboxLines } from '../support/outbox.js';
import { rawRequest, type RawRequest, type RawResponse } from '../support/raw-http.js';
import { startService, type ServiceProcess } from '../support/service-process.js';

const COUNT = 400;
const SEED = 20261128;
const CONCURRENCY = 8;


describe('bad requests against the running service', function () {
  this.timeout(60_000);
  let service: ServiceProcess;

  before(async () => {
    service = await startService({ env: { FAKE_SCAN_DELAY_MS: '0' } });
    await service.waitForState('READY');
  });

  after(async () => {
    await service.cleanup();
  });

  it(`answers ${COUNT} malformed requests with 4xx JSON errors and sends nothing`, async () => {
    const cases = badRequests(COUNT, SEED);
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const results: { spec: RawRequest; response: RawResponse }[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < cases.length) {
          const spec = cases[next++] as RawRequest;
          results.push({ spec, response: await rawRequest(service.url, spec, agent) });
        }
      }),
    );
    agent.destroy();

    const wrong = results.filter(({ response }) => {
      if (response.status < 400 || response.status > 499 || !response.contentType.startsWith('application/json')) return true;
      const body = JSON.parse(response.text) as Record<string, unknown>;
      return body.ok !== false || typeof body.code !== 'string' || typeof body.message !== 'string';
    });
    const describe = ({ spec, response }: { spec: RawRequest; response: RawResponse }): string =>
      `${spec.method} ${spec.path.slice(0, 60)} ${String(spec.body ?? '').slice(0, 80)} -> ${response.status} ${response.text.slice(0, 120)}`;
    expect(wrong.map(describe)).to.deep.equal([]);
    expect(results).to.have.length(COUNT);
    expect(await outboxLines(service)).to.deep.equal([]);

    const health = await request(`${service.url}/health`);
    expect(health.body).to.include({ whatsapp_state: 'READY' });
    expect(health.body.worker).to.deep.include({ restarts: 0 });
    expect(service.logs().filter((line) => line.level === 'error')).to.deep.equal([]);

    // And the service still sends a good one.
    const sent = await request(`${service.url}/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ cliente_id: 51, to: '5491123456789', message: 'still alive' }),
    });
    expect(sent.status).to.equal(200);
    expect((await outboxLines(service)).map((line) => line.body)).to.deep.equal(['still alive']);
  });
});
