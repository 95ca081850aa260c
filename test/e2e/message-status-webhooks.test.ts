// GET /messages/:message_id and the webhooks on the real stack: unmodified whatsapp-web.js in real
// Chromium against the simulator, acks as WhatsApp sends them (a late lower ack included), events to a
// receiver on 127.0.0.1, signed.
import { expect } from 'chai';
import { signatureOf } from '../../supervisor/webhooks/signature.js';
import { postJson, request } from '../support/http.js';
import { requireChromium } from '../support/require-chromium.js';
import { startService, type ServiceProcess } from '../support/service-process.js';
import { startWhatsAppSimulator, type WhatsAppSimulator } from '../support/wa-sim/index.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const STEP_TIMEOUT_MS = 45_000;
const TO = '5491122334455';
const SECRET = 'e2e-secret';

describe('message statuses and webhooks on the real stack (real Chromium, simulated WhatsApp Web)', function () {
  this.timeout(STEP_TIMEOUT_MS);
  this.bail(true);
  let sim: WhatsAppSimulator;
  let receiver: WebhookReceiver;
  let service: ServiceProcess;

  const messageEvents = (id: string): unknown[] =>
    receiver.received
      .map((entry) => entry.body as { type: string; data: Record<string, unknown> })
      .filter((body) => body.type === 'message.status' && body.data.message_id === id)
      .map((body) => body.data.status);

  before(async () => {
    requireChromium();
    sim = await startWhatsAppSimulator({ qrRotateMs: 60_000 });
    receiver = await startWebhookReceiver();
    service = await startService({
      env: { WA_DRIVER: 'whatsapp-web.js', CHROME_ARGS: JSON.stringify(sim.chromeArgs), WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: SECRET, LOG_LEVEL: 'debug' },
    });
    await service.waitForState('QR_REQUIRED', STEP_TIMEOUT_MS);
    sim.scan(String(sim.currentQr()));
    await service.waitForState('READY', STEP_TIMEOUT_MS);
  });

  after(async () => {
    await service?.cleanup();
    await receiver?.close();
    await sim?.close();
  });

  it('follows sent -> read, ignores a late delivered, and posts each change once, signed, with the number asked for', async () => {
    sim.ackNextSend([{ ack: 1, delayMs: 20 }, { ack: 3, delayMs: 100 }, { ack: 2, delayMs: 100 }]);
    const sent = await postJson(`${service.url}/send`, { cliente_id: 51, to: TO, message: 'estado' });
    expect(sent.status, JSON.stringify(sent.body)).to.equal(200);
    const id = String(sent.body.message_id);
    const url = `${service.url}/messages/${encodeURIComponent(id)}`;
    expect((await request(url)).body).to.include({ message_id: id, to: TO });
    // WhatsApp Web passes the late 2 on (acks 1, 3, 2 reach the supervisor): the store must ignore it.
    await service.waitForLog((line) => line.message === 'WhatsApp ack' && line.message_id === id && line.ack === 2, 15_000);
    const acks = service.logs().filter((line) => line.message === 'WhatsApp ack' && line.message_id === id).map((line) => line.ack);
    expect(acks).to.deep.equal([1, 3, 2]);
    const { status, body } = await request(url);
    expect(status).to.equal(200);
    expect(body).to.include({ message_id: id, to: TO, status: 'read', ack: 3 });
    for (const deadline = Date.now() + 10_000; messageEvents(id).length < 2 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 25));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(messageEvents(id)).to.deep.equal(['sent', 'read']);
    const states = receiver.received.filter((entry) => entry.body.type === 'session.state').map((entry) => (entry.body.data as { state: string }).state);
    expect(states).to.include.members(['QR_REQUIRED', 'READY']);
    for (const entry of receiver.received) {
      expect(entry.headers['x-signature-256']).to.equal(signatureOf(entry.raw, SECRET));
      expect(entry.raw).not.to.contain(String(sim.currentQr()).slice(0, 20));
      if (entry.body.type === 'message.status') expect((entry.body.data as { to: string }).to).to.equal(TO);
    }
    const backlog = (await request(`${service.url}/health`)).body.webhook as Record<string, unknown>;
    expect(backlog).to.include({ pending: 0, last_error: null });
  });
});
