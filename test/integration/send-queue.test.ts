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
    service = await startService({ env: { FAKE_SCAN_DELAY_MS: '0', SEND_MIN_INTERVAL_MS: '300', SEND_QUEUE_MAX: '2', LOG_LEVEL: 'debug' } });
    await service.waitForState('READY');
    const send = (message: string) => postJson(`${service.url}/send`, { cliente_id: 51, to: '5491123456789', message });
    // One send first, so the first of the burst does not pay for cold code paths (on either side) and
    // arrive after the second; then more than the interval, so the burst starts on a free queue.
    expect((await send('warm-up')).status).to.equal(200);
    await new Promise((resolve) => setTimeout(resolve, 350));
    const answers = [];
    // 30 ms apart: all five arrive well within one interval, while the second and third still wait.
    for (let index = 0; index < 5; index += 1) {
      answers.push(send(`message ${index}`));
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    const results = await Promise.all(answers);
    expect(results.map((result) => result.status)).to.deep.equal([200, 200, 200, 429, 429]);
    expect(results[3]?.body.code).to.equal('QUEUE_FULL');
    expect(Number(results[3]?.headers.get('retry-after'))).to.be.at.least(1);

    const sent = await outboxLines(service);
    expect(sent.map((line) => line.body)).to.deep.equal(['warm-up', 'message 0', 'message 1', 'message 2']);
    // The spacing is measured where the queue keeps it: when the supervisor hands each send to the worker
    // (the outbox's times also carry the IPC and the worker's delays, which vary under load). The queue
    // spaces them by the monotonic clock; the log's wall-clock milliseconds may lose up to 2 ms to that.
    const handed = service
      .logs()
      .filter((line) => line.component === 'supervisor' && line.message === 'Send handed to the worker')
      .map((line) => Date.parse(String(line.timestamp)));
    expect(handed).to.have.length(4);
    for (let index = 1; index < handed.length; index += 1) {
      expect((handed[index] as number) - (handed[index - 1] as number)).to.be.at.least(298);
    }
  });
});
