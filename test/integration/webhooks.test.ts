// Webhooks from the real service (fake driver) to a receiver on 127.0.0.1: every state change and message
// status, signed, in order of occurrence; nothing lost while the receiver is down, across a restart of the
// service; nothing delivered is sent again.
import { rm } from 'node:fs/promises';
import { expect } from 'chai';
import { signatureOf } from '../../supervisor/webhooks/signature.js';
import { postJson, request } from '../support/http.js';
import { startService, type ServiceProcess } from '../support/service-process.js';
import { startWebhookReceiver, type Received, type WebhookReceiver } from '../support/webhook-receiver.js';

const SECRET = 'hub-shared-secret';
const TO = '5491123456789';

// What an event says, in short: "session.state READY<INIT" or "message.status m delivered".
function summary(entry: Received, ids: readonly string[]): string {
  const { type, data } = entry.body as { type: string; data: Record<string, unknown> };
  if (type === 'session.state') return `${type} ${String(data.state)}<${String(data.previous)}`;
  return `${type} m${ids.indexOf(String(data.message_id))} ${String(data.status)}`;
}

describe('webhooks from the running service', function () {
  this.timeout(40_000);
  let receiver: WebhookReceiver;
  let service: ServiceProcess | undefined;
  let sessionsDir: string | undefined;

  async function start(): Promise<ServiceProcess> {
    service = await startService({
      env: {
        FAKE_SCAN_DELAY_MS: '0',
        FAKE_DELIVERY_DELAY_MS: '300',
        WEBHOOK_URL: receiver.url,
        WEBHOOK_SECRET: SECRET,
        WEBHOOK_RETRY_MAX_MS: '200',
      },
      ...(sessionsDir ? { sessionsDir } : {}),
    });
    sessionsDir = service.sessionsDir;
    await service.waitForState('READY');
    return service;
  }

  async function send(running: ServiceProcess): Promise<string> {
    const { status, body } = await postJson(`${running.url}/send`, { cliente_id: 51, to: TO, message: 'hola' });
    expect(status).to.equal(200);
    return body.message_id as string;
  }

  async function health(running: ServiceProcess): Promise<Record<string, unknown>> {
    return (await request(`${running.url}/health`)).body.webhook as Record<string, unknown>;
  }

  function expectSignedAndInOrder(received: readonly Received[]): void {
    for (const entry of received) expect(entry.headers['x-signature-256']).to.equal(signatureOf(entry.raw, SECRET));
    const times = received.map((entry) => Date.parse(String(entry.body.at)));
    expect(times).to.deep.equal([...times].sort((a, b) => a - b));
    expect(new Set(received.map((entry) => entry.body.id)).size, 'every event once').to.equal(received.length);
    for (const entry of received) expect(entry.raw).not.to.match(/"2@/);
  }

  beforeEach(async () => {
    receiver = await startWebhookReceiver();
  });

  afterEach(async () => {
    await service?.cleanup();
    await receiver.close();
    if (sessionsDir) await rm(sessionsDir, { recursive: true, force: true });
    service = undefined;
    sessionsDir = undefined;
  });

  it('posts each state change and each status of a sent message, signed, and shows the backlog on /health', async () => {
    const running = await start();
    const id = await send(running);
    const received = await receiver.waitFor(5);
    // The fake's scan: a QR, then INIT while the login loads (as whatsapp-web.js's authenticated), then READY.
    expect(received.map((entry) => summary(entry, [id]))).to.deep.equal([
      'session.state QR_REQUIRED<INIT',
      'session.state INIT<QR_REQUIRED',
      'session.state READY<INIT',
      'message.status m0 sent',
      'message.status m0 delivered',
    ]);
    expect(received[4]?.body).to.deep.include({ type: 'message.status', cliente_id: 51, data: { message_id: id, to: TO, status: 'delivered', ack: 2 } });
    expectSignedAndInOrder(received);
    const backlog = await health(running);
    expect(backlog).to.include({ pending: 0, last_error: null, refused: 0, dropped: 0 });
    expect(backlog.last_delivered_at).to.be.a('string');
  });

  it('keeps every event while the receiver is down, across a restart of the service, and delivers them in order once it is up', async () => {
    await receiver.down();
    const first = await start();
    const ids = [await send(first), await send(first)];
    for (const id of ids) {
      for (let status = ''; status !== 'delivered'; await new Promise((resolve) => setTimeout(resolve, 50))) {
        status = String((await request(`${first.url}/messages/${encodeURIComponent(id)}`)).body.status);
      }
    }
    const backlog = await health(first);
    expect(backlog).to.include({ pending: 7, last_error: 'ECONNREFUSED' });
    expect(await first.stop('SIGTERM')).to.equal(0);

    const second = await start();
    expect(receiver.received).to.have.length(0);
    await receiver.up();
    const received = await receiver.waitFor(9);
    const summaries = received.map((entry) => summary(entry, ids));
    expect(summaries.filter((line) => line.startsWith('session.state'))).to.deep.equal([
      'session.state QR_REQUIRED<INIT',
      'session.state INIT<QR_REQUIRED',
      'session.state READY<INIT',
      'session.state INIT<READY',
      'session.state READY<INIT',
    ]);
    expect(summaries.filter((line) => line.startsWith('message.status')).sort()).to.deep.equal([
      'message.status m0 delivered',
      'message.status m0 sent',
      'message.status m1 delivered',
      'message.status m1 sent',
    ]);
    expect(summaries.indexOf('message.status m0 sent')).to.be.below(summaries.indexOf('message.status m0 delivered'));
    expectSignedAndInOrder(received);
    for (let pending = -1; pending !== 0; await new Promise((resolve) => setTimeout(resolve, 50))) {
      pending = Number((await health(second)).pending);
    }

    // Delivered events are not sent again after another restart: only the new state changes come.
    expect(await second.stop('SIGTERM')).to.equal(0);
    const third = await start();
    await receiver.waitFor(11);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.received.slice(9).map((entry) => summary(entry, ids))).to.deep.equal(['session.state INIT<READY', 'session.state READY<INIT']);
    expectSignedAndInOrder(receiver.received);
    expect(third.logs().filter((line) => line.level === 'error')).to.deep.equal([]);
  });

  it('posts a SIGUSR2 recycle as two state changes, and the delivery that comes after it', async () => {
    const running = await start();
    await receiver.waitFor(3);
    const id = await send(running);
    await receiver.waitFor(4);
    running.child.kill('SIGUSR2');
    const received = await receiver.waitFor(7);
    expect(received.slice(3).map((entry) => summary(entry, [id]))).to.have.members([
      'message.status m0 sent',
      'session.state INIT<READY',
      'session.state READY<INIT',
      'message.status m0 delivered',
    ]);
    expectSignedAndInOrder(received);
  });

  it('answers /send, /status and /health at once while the receiver hangs', async () => {
    receiver.respond = () => 'hang';
    const running = await start();
    await receiver.waitFor(1);
    for (let index = 0; index < 5; index += 1) {
      const started = Date.now();
      await send(running);
      await request(`${running.url}/status`);
      expect((await health(running)).pending).to.be.at.least(3);
      expect(Date.now() - started).to.be.below(1000);
    }
  });
});
