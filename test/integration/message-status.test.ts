// GET /messages/:message_id on the real service (fake driver): sent at once, delivered after the fake's
// delivery delay, also when a worker recycle or a restart of the service came in between.
import { rm } from 'node:fs/promises';
import { expect } from 'chai';
import { postJson, request } from '../support/http.js';
import { startService, type ServiceProcess } from '../support/service-process.js';

const SEND = { cliente_id: 51, to: '+54 9 11 2345-6789', message: 'hola' };
const DIGITS = '5491123456789';

describe('message statuses on the running service', function () {
  this.timeout(30_000);
  let service: ServiceProcess | undefined;
  let sessionsDir: string | undefined;

  async function start(deliveryDelayMs: number): Promise<ServiceProcess> {
    service = await startService({
      env: { FAKE_SCAN_DELAY_MS: '0', FAKE_DELIVERY_DELAY_MS: String(deliveryDelayMs) },
      ...(sessionsDir ? { sessionsDir } : {}),
    });
    sessionsDir = service.sessionsDir;
    await service.waitForState('READY');
    return service;
  }

  async function statusOf(running: ServiceProcess, messageId: string): Promise<Record<string, unknown>> {
    const { status, body } = await request(`${running.url}/messages/${encodeURIComponent(messageId)}`);
    expect(status, JSON.stringify(body)).to.equal(200);
    return body;
  }

  async function send(running: ServiceProcess): Promise<string> {
    const { status, body } = await postJson(`${running.url}/send`, SEND);
    expect(status, JSON.stringify(body)).to.equal(200);
    return body.message_id as string;
  }

  async function waitForDelivered(running: ServiceProcess, messageId: string): Promise<Record<string, unknown>> {
    let body: Record<string, unknown> = {};
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 50))) {
      body = await statusOf(running, messageId);
      if (body.status === 'delivered') return body;
    }
    return expect.fail(`expected delivered, got ${JSON.stringify(body)}`);
  }

  afterEach(async () => {
    await service?.cleanup();
    if (sessionsDir) await rm(sessionsDir, { recursive: true, force: true });
    service = undefined;
    sessionsDir = undefined;
  });

  it('answers sent right after /send, then delivered after the delivery delay, with the request\'s number', async () => {
    const running = await start(700);
    const messageId = await send(running);
    const sent = await statusOf(running, messageId);
    expect(sent).to.include({ message_id: messageId, to: DIGITS, status: 'sent', ack: 1 });
    const delivered = await waitForDelivered(running, messageId);
    expect(delivered).to.include({ to: DIGITS, ack: 2, sent_at: sent.sent_at });
    expect(Date.parse(delivered.updated_at as string) - Date.parse(sent.sent_at as string)).to.be.at.least(600);
  });

  it('answers 404 MESSAGE_NOT_FOUND for an id this tenant never sent', async () => {
    const running = await start(0);
    const { status, body } = await request(`${running.url}/messages/true_5491100000000@c.us_3EB0NOPE`);
    expect([status, body.code]).to.deep.equal([404, 'MESSAGE_NOT_FOUND']);
  });

  it('takes the delivery ack from the next worker when a SIGUSR2 recycle cut the first one short', async () => {
    const running = await start(1500);
    const messageId = await send(running);
    running.child.kill('SIGUSR2');
    await running.waitForLog((line) => line.message === 'Worker replaced');
    expect(await statusOf(running, messageId)).to.include({ status: 'sent' });
    expect(await waitForDelivered(running, messageId)).to.include({ to: DIGITS });
  });

  it('remembers the status across a restart of the service, and takes the delivery ack that came after it', async () => {
    const first = await start(2000);
    const messageId = await send(first);
    expect(await first.stop('SIGTERM')).to.equal(0);
    const restarted = await start(2000);
    expect(await statusOf(restarted, messageId)).to.include({ to: DIGITS, status: 'sent' });
    expect(await waitForDelivered(restarted, messageId)).to.include({ ack: 2 });
  });
});
