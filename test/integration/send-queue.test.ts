// The send queue on the running service: one at a time, in order, spaced by SEND_MIN_INTERVAL_MS, and
// 429 with Retry-After when full.
import { expect } from 'chai';
import { postJson } from '../support/http.js';
import { outboxLines } from '../support/outbox.js';
import { startService, type ServiceProcess } from '../support/service-process.js';

describe('send queue on the running service', function () {
  this.timeout(30_000);
  let service: ServiceProcess;

  after(async () => {
    await service?.cleanup();
  });

  it('spaces sends by SEND_MIN_INTERVAL_MS in arrival order and answers 429 when the queue is full', async () => {
    service = await startService({ env: { FAKE_SCAN_DELAY_MS: '0', SEND_MIN_INTERVAL_MS: '300', SEND_QUEUE_MAX: '2' } });
    await service.waitForState('READY');
    const answers = [];
    for (let index = 0; index < 5; index += 1) {
      answers.push(postJson(`${service.url}/send`, { cliente_id: 51, to: '5491123456789', message: `message ${index}` }));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const results = await Promise.all(answers);
    expect(results.map((result) => result.status)).to.deep.equal([200, 200, 200, 429, 429]);
    expect(results[3]?.body.code).to.equal('QUEUE_FULL');
    expect(Number(results[3]?.headers.get('retry-after'))).to.be.at.least(1);

    const sent = await outboxLines(service);
    expect(sent.map((line) => line.body)).to.deep.equal(['message 0', 'message 1', 'message 2']);
    const times = sent.map((line) => Date.parse(String(line.at)));
    for (let index = 1; index < times.length; index += 1) {
      expect((times[index] as number) - (times[index - 1] as number)).to.be.at.least(295);
    }
  });
});
