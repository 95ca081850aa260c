// Idempotency-Key against the real processes (fake driver): concurrent repeats, a worker recycle and a
// restart of the service never send the same message twice. Each case starts its own service.
import { rm } from 'node:fs/promises';
import { expect } from 'chai';
import { postJson, type JsonResponse } from '../support/http.js';
import { outboxLines } from '../support/outbox.js';
import { startService, type ServiceProcess } from '../support/service-process.js';

const SEND = { cliente_id: 51, to: '5491123456789', message: 'una sola vez' };

function sendWithKey(service: ServiceProcess, key: string, body: object = SEND): Promise<JsonResponse> {
  return postJson(`${service.url}/send`, body, { 'idempotency-key': key });
}

// What the fake driver sent: recipient, text and id of each message, in order.
async function sent(service: ServiceProcess): Promise<unknown[][]> {
  return (await outboxLines(service)).map((line) => [line.to, line.body, line.message_id]);
}

describe('Idempotency-Key on the running service', function () {
  this.timeout(30_000);
  let service: ServiceProcess | undefined;
  let sessionsDir: string | undefined;

  // A service READY on this case's sessions folder (the same one again after a restart).
  async function start(): Promise<ServiceProcess> {
    service = await startService({ env: { FAKE_SCAN_DELAY_MS: '0' }, ...(sessionsDir ? { sessionsDir } : {}) });
    sessionsDir = service.sessionsDir;
    await service.waitForState('READY');
    return service;
  }

  afterEach(async () => {
    await service?.cleanup();
    if (sessionsDir) await rm(sessionsDir, { recursive: true, force: true });
    service = undefined;
    sessionsDir = undefined;
  });

  it('sends once for five concurrent requests with the same key, and all get the same id', async () => {
    const running = await start();
    const answers = await Promise.all(Array.from({ length: 5 }, () => sendWithKey(running, 'order-1001')));
    const ids = new Set(answers.map((answer) => answer.body.message_id));
    expect(answers.map((answer) => answer.status)).to.deep.equal([200, 200, 200, 200, 200]);
    expect(ids.size).to.equal(1);
    expect(answers.filter((answer) => answer.headers.get('idempotent-replayed') === 'true')).to.have.length(4);
    expect(await sent(running)).to.deep.equal([[SEND.to, SEND.message, [...ids][0]]]);
  });

  it('replays the first answer after a worker recycle and after a restart of the service, sending nothing', async () => {
    const first = await sendWithKey(await start(), 'order-1001');
    expect(first.status).to.equal(200);
    expect(first.headers.get('idempotent-replayed')).to.equal(null);
    const messageId = first.body.message_id;
    expect(messageId).to.be.a('string');

    const recycled = service as ServiceProcess;
    recycled.child.kill('SIGUSR2');
    await recycled.waitForLog((line) => line.message === 'Worker replaced');
    await recycled.waitForState('READY');
    const afterRecycle = await sendWithKey(recycled, 'order-1001');
    expect([afterRecycle.status, afterRecycle.body, afterRecycle.headers.get('idempotent-replayed')]).to.deep.equal([
      200,
      { ok: true, message_id: messageId },
      'true',
    ]);

    expect(await recycled.stop('SIGTERM')).to.equal(0);
    const restarted = await start();
    const afterRestart = await sendWithKey(restarted, 'order-1001');
    expect([afterRestart.status, afterRestart.body, afterRestart.headers.get('idempotent-replayed')]).to.deep.equal([
      200,
      { ok: true, message_id: messageId },
      'true',
    ]);
    expect(await sent(restarted)).to.deep.equal([[SEND.to, SEND.message, messageId]]);
  });

  it('refuses the same key with a different message with 422 and sends nothing more', async () => {
    const running = await start();
    const first = await sendWithKey(running, 'order-1001');
    const reused = await sendWithKey(running, 'order-1001', { ...SEND, message: 'otro texto' });
    expect(reused.status).to.equal(422);
    expect(reused.body.code).to.equal('IDEMPOTENCY_KEY_REUSED');
    expect(await sent(running)).to.deep.equal([[SEND.to, SEND.message, first.body.message_id]]);
  });

  it('lets a key whose send failed be used again (nothing was sent the first time)', async () => {
    const running = await start();
    const failing = { ...SEND, to: '05001234567' };
    const first = await sendWithKey(running, 'order-2002', failing);
    expect(first.status).to.equal(500);
    expect(first.body.code).to.equal('SEND_FAILED');
    const second = await sendWithKey(running, 'order-2002', failing);
    expect(second.status).to.equal(500);
    expect(second.body.code).to.equal('SEND_FAILED');
    expect(second.headers.get('idempotent-replayed')).to.equal(null);
    expect(await sent(running)).to.deep.equal([]);
  });
});
