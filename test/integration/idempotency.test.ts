// Idempotency-Key against the real processes (fake driver): concurrent repeats, a worker recycle and a
// restart of the service never send the same message twice.
import { rm } from 'node:fs/promises';
import { expect } from 'chai';
import { postJson, type JsonResponse } from '../support/http.js';
import { outboxLines } from '../support/outbox.js';
import { startService, type ServiceProcess } from '../support/service-process.js';

const SEND = { cliente_id: 51, to: '5491123456789', message: 'una sola vez' };


function sendWithKey(service: ServiceProcess, key: string, body: object = SEND): Promise<JsonResponse> {
  return postJson(`${service.url}/send`, body, { 'idempotency-key': key });
}

describe('Idempotency-Key on the running service', function () {
  this.timeout(30_000);
  let service: ServiceProcess;
  let sessionsDir: string | undefined;

  async function start(): Promise<void> {
    service = await startService({ env: { FAKE_SCAN_DELAY_MS: '0' }, ...(sessionsDir ? { sessionsDir } : {}) });
    sessionsDir = service.sessionsDir;
    await service.waitForState('READY');
  }

  after(async () => {
    await service?.cleanup();
    if (sessionsDir) await rm(sessionsDir, { recursive: true, force: true });
  });

  it('sends once for five concurrent requests with the same key, and all get the same id', async () => {
    await start();
    const answers = await Promise.all(Array.from({ length: 5 }, () => sendWithKey(service, 'order-1001')));
    const ids = new Set(answers.map((answer) => answer.body.message_id));
    expect(answers.map((answer) => answer.status)).to.deep.equal([200, 200, 200, 200, 200]);
    expect(ids.size).to.equal(1);
    expect(answers.filter((answer) => answer.headers.get('idempotent-replayed') === 'true')).to.have.length(4);
    expect(await outboxLines(service)).to.have.length(1);
  });

  it('replays after a worker recycle and after a restart of the service, sending nothing', async () => {
    const first = await sendWithKey(service, 'order-1001');
    service.child.kill('SIGUSR2');
    await service.waitForLog((line) => line.message === 'Worker replaced');
    await service.waitForState('READY');
    const afterRecycle = await sendWithKey(service, 'order-1001');
    expect(afterRecycle.body.message_id).to.equal(first.body.message_id);

    expect(await service.stop('SIGTERM')).to.equal(0);
    await start();
    const afterRestart = await sendWithKey(service, 'order-1001');
    expect(afterRestart.status).to.equal(200);
    expect(afterRestart.body.message_id).to.equal(first.body.message_id);
    expect(afterRestart.headers.get('idempotent-replayed')).to.equal('true');
    expect(await outboxLines(service)).to.have.length(1);
  });

  it('refuses the same key with a different message with 422 and sends nothing', async () => {
    const reused = await sendWithKey(service, 'order-1001', { ...SEND, message: 'otro texto' });
    expect(reused.status).to.equal(422);
    expect(reused.body.code).to.equal('IDEMPOTENCY_KEY_REUSED');
    expect(await outboxLines(service)).to.have.length(1);
  });

  it('lets a key whose send failed be used again (nothing was sent the first time)', async () => {
    const failing = { ...SEND, to: '05001234567' };
    const first = await sendWithKey(service, 'order-2002', failing);
    expect(first.status).to.equal(500);
    expect(first.body.code).to.equal('SEND_FAILED');
    const second = await sendWithKey(service, 'order-2002', failing);
    expect(second.status).to.equal(500);
    expect(second.headers.get('idempotent-replayed')).to.equal(null);
  });
});
