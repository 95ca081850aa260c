// The deliverer against a real HTTP receiver on 127.0.0.1: retry classes, backoff, order, signature, stop.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { WebhookDeliverer } from '../../../supervisor/webhooks/deliverer.js';
import type { WebhookEvent } from '../../../supervisor/webhooks/events.js';
import { WebhookOutbox } from '../../../supervisor/webhooks/outbox.js';
import { signatureOf } from '../../../supervisor/webhooks/signature.js';
import { captureLogger, type CapturedLogger } from '../../support/logger.js';
import { until } from '../../support/promises.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver.js';

const SECRET = 'shh, a secret';

function event(n: number): WebhookEvent {
  return { id: `e${n}`, type: 'session.state', cliente_id: 51, at: new Date(n).toISOString(), data: { state: 'READY', previous: 'INIT', reason: null } };
}

describe('webhooks/deliverer', function () {
  this.timeout(15_000);
  let dir: string;
  let log: CapturedLogger;
  let receiver: WebhookReceiver;
  let outbox: WebhookOutbox;
  let deliverer: WebhookDeliverer | undefined;

  async function start(options: { secret?: string; timeoutMs?: number; maxMs?: number; url?: string } = {}): Promise<WebhookDeliverer> {
    deliverer = new WebhookDeliverer({
      url: options.url ?? receiver.url,
      secret: options.secret,
      timeoutMs: options.timeoutMs ?? 2000,
      backoff: { baseMs: 20, maxMs: options.maxMs ?? 80 },
      outbox,
      logger: log.logger,
    });
    deliverer.start();
    return deliverer;
  }

  const receivedIds = (): unknown[] => receiver.received.map((entry) => entry.body.id);

  beforeEach(async function () {
    dir = await mkdtemp(path.join(os.tmpdir(), 'webhook-deliverer-'));
    log = captureLogger();
    receiver = await startWebhookReceiver();
    outbox = await WebhookOutbox.open({ file: path.join(dir, 'webhook-outbox.jsonl'), max: 100, logger: log.logger });
  });

  afterEach(async function () {
    await deliverer?.stop();
    deliverer = undefined;
    await outbox.flush();
    await receiver.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('POSTs each event as its JSON body, in order, signed with the secret, and empties the outbox', async function () {
    const running = await start({ secret: SECRET });
    for (const n of [1, 2, 3]) outbox.push(event(n));
    const received = await receiver.waitFor(3);
    expect(received.map((entry) => entry.body)).to.deep.equal([event(1), event(2), event(3)]);
    for (const entry of received) {
      expect(entry.headers['content-type']).to.equal('application/json');
      expect(entry.headers['x-signature-256']).to.equal(signatureOf(entry.raw, SECRET));
      expect(entry.headers['x-signature-256']).to.match(/^sha256=[0-9a-f]{64}$/);
    }
    await until(() => outbox.pending === 0);
    expect(running.health()).to.include({ pending: 0, last_error: null, refused: 0, dropped: 0 });
    expect(Date.parse(running.health().last_delivered_at ?? '')).to.be.closeTo(Date.now(), 5000);
  });

  it('sends no signature header without a secret', async function () {
    await start();
    outbox.push(event(1));
    const [entry] = await receiver.waitFor(1);
    expect(entry?.headers).not.to.have.property('x-signature-256');
  });

  for (const status of [500, 503, 408, 429]) {
    it(`tries an event answered ${status} again until it is delivered, keeping the order`, async function () {
      receiver.respond = (_, index) => (index < 2 ? { status } : { status: 200 });
      const running = await start();
      outbox.push(event(1));
      outbox.push(event(2));
      await receiver.waitFor(4);
      expect(receivedIds()).to.deep.equal(['e1', 'e1', 'e1', 'e2']);
      await until(() => outbox.pending === 0);
      expect(running.health().last_error).to.equal(null);
    });
  }

  it('drops an event refused with a 4xx, logs and counts it, and goes on with the next', async function () {
    receiver.respond = (_, index) => (index === 0 ? { status: 422 } : { status: 204 });
    const running = await start();
    outbox.push(event(1));
    outbox.push(event(2));
    await receiver.waitFor(2);
    await until(() => outbox.pending === 0);
    expect(receivedIds()).to.deep.equal(['e1', 'e2']);
    expect(running.health()).to.include({ refused: 1, last_error: null });
    const errors = log.lines().filter((line) => line.level === 'error');
    expect(errors.map((line) => [line.message, line.event_id, line.why])).to.deep.equal([
      ['The webhook receiver refused an event; it is dropped', 'e1', 'HTTP 422'],
    ]);
  });

  it('waits longer after each failure in a row, never longer than the cap', async function () {
    receiver.respond = (_, index) => (index < 5 ? { status: 503 } : { status: 200 });
    await start({ maxMs: 80 });
    outbox.push(event(1));
    const received = await receiver.waitFor(6);
    const gaps = received.slice(1).map((entry, index) => entry.at - (received[index]?.at ?? 0));
    // 20, 40, 80, 80, 80 ms: doubling, then capped (timers fire late on a busy machine, never early).
    expect(gaps[0]).to.be.within(18, 200);
    expect(gaps[2]).to.be.at.least(78);
    expect(gaps[3]).to.be.at.least(78).and.below(400);
    const delays = log.lines().filter((line) => line.message === 'Webhook delivery failed; trying again later').map((line) => line.delay_ms);
    expect(delays).to.deep.equal([20, 40, 80, 80, 80]);
  });

  it('honours Retry-After up to the cap', async function () {
    receiver.respond = (_, index) => (index === 0 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 });
    await start({ maxMs: 300 });
    outbox.push(event(1));
    const [first, second] = await receiver.waitFor(2);
    expect((second?.at ?? 0) - (first?.at ?? 0)).to.be.at.least(290);
    const delays = log.lines().filter((line) => line.message === 'Webhook delivery failed; trying again later').map((line) => line.delay_ms);
    expect(delays).to.deep.equal([300]);
  });

  it('tries again while the receiver is down (connection refused), and delivers everything in order once it is up', async function () {
    await receiver.down();
    const running = await start();
    for (const n of [1, 2, 3]) outbox.push(event(n));
    await until(() => running.health().last_error === 'ECONNREFUSED');
    expect(running.health().pending).to.equal(3);
    await receiver.up();
    await receiver.waitFor(3);
    expect(receivedIds()).to.deep.equal(['e1', 'e2', 'e3']);
  });

  it('counts a receiver that does not answer within the timeout as a failure, and tries again', async function () {
    receiver.respond = (_, index) => (index === 0 ? 'hang' : { status: 200 });
    const running = await start({ timeoutMs: 200 });
    outbox.push(event(1));
    await receiver.waitFor(2);
    await until(() => outbox.pending === 0);
    expect(receivedIds()).to.deep.equal(['e1', 'e1']);
    const failures = log.lines().filter((line) => line.message === 'Webhook delivery failed; trying again later');
    expect(failures.map((line) => line.why)).to.deep.equal(['no answer within 200 ms']);
    expect(running.health().last_error).to.equal(null);
  });

  it('stops at once: aborts the request in flight, clears its wait, and keeps the event pending', async function () {
    receiver.respond = () => 'hang';
    const running = await start({ timeoutMs: 10_000 });
    outbox.push(event(1));
    await receiver.waitFor(1);
    const stopping = Date.now();
    await running.stop();
    expect(Date.now() - stopping).to.be.below(1000);
    expect(outbox.pending).to.equal(1);
    outbox.push(event(2));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(receiver.received).to.have.length(1);
  });

  it('stops during a backoff wait without waiting it out', async function () {
    receiver.respond = () => ({ status: 503 });
    const running = await start({ maxMs: 60_000 });
    deliverer = running;
    outbox.push(event(1));
    await receiver.waitFor(1);
    await until(() => running.health().last_error === 'HTTP 503');
    const stopping = Date.now();
    await running.stop();
    expect(Date.now() - stopping).to.be.below(500);
  });

  it('publishes a new health object only when its numbers change', async function () {
    receiver.respond = () => 'hang';
    const running = await start();
    const before = running.health();
    expect(running.health()).to.equal(before);
    outbox.push(event(1));
    expect(running.health()).not.to.equal(before);
    expect(running.health()).to.include({ pending: 1 });
  });
});
