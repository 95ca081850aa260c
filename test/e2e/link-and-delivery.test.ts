// What the hub is told about WhatsApp Web's link and about each message, through the real supervisor and
// worker, unmodified whatsapp-web.js in real Chromium and the simulator: /send answers 200 only once the
// server acked, failures and refusals by their codes (the session stays READY on the same browser), acks
// as 'message' events, a lost link as DISCONNECTED CONNECTION_LOST that heals by itself.
import { expect } from 'chai';
import { postJson, request } from '../support/http.js';
import { requireChromium } from '../support/require-chromium.js';
import { startService, type ServiceProcess } from '../support/service-process.js';
import { startWhatsAppSimulator, type WhatsAppSimulator } from '../support/wa-sim/index.js';

const STEP_TIMEOUT_MS = 45_000;
const TO = '5491122334455';
const LINK_LOST_TIMEOUT_MS = 3000;

describe('link state and delivery on the real stack (real Chromium, simulated WhatsApp Web)', function () {
  this.timeout(STEP_TIMEOUT_MS);
  this.bail(true);
  let sim: WhatsAppSimulator;
  let service: ServiceProcess;

  const send = (to: string, message: string): Promise<{ status: number; body: Record<string, unknown> }> =>
    postJson(`${service.url}/send`, { cliente_id: 51, to, message });
  const browserPid = (): number => Number(service.logs().filter((line) => line.message === 'Worker launched a browser').at(-1)?.browser_pid);
  const qrStates = (): number => service.logs().filter((line) => line.message === 'WhatsApp state' && line.state === 'QR_REQUIRED').length;

  async function statusUntil(match: (body: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    const deadline = Date.now() + STEP_TIMEOUT_MS;
    for (;;) {
      const { body } = await request(`${service.url}/status`);
      if (match(body)) return body;
      if (Date.now() > deadline) throw new Error(`/status never matched; last ${JSON.stringify(body)}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async function expectStillReady(pid: number): Promise<void> {
    const status = await request(`${service.url}/status`);
    expect(status.body).to.include({ state: 'READY', connected: true });
    expect(browserPid()).to.equal(pid);
  }

  before(async () => {
    requireChromium();
    sim = await startWhatsAppSimulator({ qrRotateMs: 60_000 });
    service = await startService({
      env: {
        WA_DRIVER: 'whatsapp-web.js',
        CHROME_ARGS: JSON.stringify(sim.chromeArgs),
        LINK_LOST_TIMEOUT_MS: String(LINK_LOST_TIMEOUT_MS),
        LOG_LEVEL: 'debug',
      },
    });
    await service.waitForState('QR_REQUIRED', STEP_TIMEOUT_MS);
    sim.scan(String(sim.currentQr()));
    await service.waitForState('READY', STEP_TIMEOUT_MS);
  });

  after(async () => {
    await service?.cleanup();
    await sim?.close();
  });

  afterEach(() => {
    expect(sim.unknownModules()).to.deep.equal([]);
  });

  it('answers 200 once the server acked, and passes acks 1, 2, 3 on as message events', async () => {
    sim.ackNextSend([{ ack: 1, delayMs: 20 }, { ack: 2, delayMs: 50 }, { ack: 3, delayMs: 50 }]);
    const sent = await send(TO, 'con acks');
    expect(sent.status, JSON.stringify(sent.body)).to.equal(200);
    const id = String(sent.body.message_id);
    expect(sim.sentMessages().at(-1)).to.include({ id, body: 'con acks' });
    const acksOf = (): unknown[] => service.logs().filter((line) => line.message === 'WhatsApp ack' && line.message_id === id).map((line) => line.ack);
    await service.waitForLog((line) => line.message === 'WhatsApp ack' && line.message_id === id && line.ack === 3);
    expect(acksOf()).to.deep.equal([1, 2, 3]);
  });

  it('answers 500 SEND_FAILED when WhatsApp fails the message (ack -1), and when the send result is an error', async () => {
    const pid = browserPid();
    const before = sim.sentMessages().length;
    sim.ackNextSend([{ ack: -1, delayMs: 0 }]);
    const nacked = await send(TO, 'ack -1');
    expect(nacked.status).to.equal(500);
    expect(nacked.body).to.include({ code: 'SEND_FAILED' });
    expect(nacked.body.message).to.contain('ack -1').and.contain('not sent');
    sim.failNextSendResult();
    const errorResult = await send(TO, 'error result');
    expect(errorResult.status).to.equal(500);
    expect(errorResult.body).to.include({ code: 'SEND_FAILED' });
    expect(sim.sentMessages()).to.have.length(before);
    await expectStillReady(pid);
  });

  it('answers 422 RECIPIENT_UNRESOLVABLE for a number without a LID; the session stays READY on the same browser', async () => {
    const pid = browserPid();
    sim.withoutLid('5491166667777');
    const before = sim.sentMessages().length;
    const sent = await send('5491166667777', 'sin lid');
    expect(sent.status).to.equal(422);
    expect(sent.body).to.include({ code: 'RECIPIENT_UNRESOLVABLE' });
    expect(sim.sentMessages()).to.have.length(before);
    await expectStillReady(pid);
  });

  it('answers 429 NEW_CONTACT_LIMIT for a new contact under the limit while a known chat still gets 200', async () => {
    const pid = browserPid();
    sim.limitNewContacts(true);
    const before = sim.sentMessages().length;
    const refused = await send('5491188889999', 'nuevo');
    expect(refused.status).to.equal(429);
    expect(refused.body).to.include({ code: 'NEW_CONTACT_LIMIT' });
    expect(sim.sentMessages()).to.have.length(before);
    expect((await send(TO, 'conocido')).status).to.equal(200);
    sim.limitNewContacts(false);
    await expectStillReady(pid);
  });

  it('is DISCONNECTED CONNECTION_LOST while the link is down, refuses sends with 409 sending nothing, and heals by itself', async () => {
    const pid = browserPid();
    const qrs = qrStates();
    sim.dropConnection();
    const lost = await service.waitForState('DISCONNECTED', STEP_TIMEOUT_MS);
    expect(lost).to.include({ connected: false, last_disconnect_reason: 'CONNECTION_LOST: TIMEOUT' });
    const before = sim.sentMessages().length;
    const refused = await send(TO, 'sin red');
    expect(refused.status).to.equal(409);
    expect(refused.body).to.include({ code: 'SESSION_NOT_READY' });
    sim.restoreConnection();
    await service.waitForState('READY', STEP_TIMEOUT_MS);
    expect(sim.sentMessages()).to.have.length(before);
    expect(qrStates()).to.equal(qrs);
    expect(browserPid()).to.equal(pid);
    expect((await send(TO, 'de vuelta')).status).to.equal(200);
  });

  it('names WhatsApp\'s latest state in the reason (OPENING while its socket reconnects)', async () => {
    sim.dropConnection('OPENING');
    const stalled = await statusUntil((body) => body.state === 'DISCONNECTED' && body.last_disconnect_reason === 'CONNECTION_LOST: OPENING');
    expect(stalled).to.include({ state: 'DISCONNECTED', connected: false });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await request(`${service.url}/status`)).body).to.include({ state: 'DISCONNECTED', last_disconnect_reason: 'CONNECTION_LOST: OPENING' });
    sim.restoreConnection();
    await service.waitForState('READY', STEP_TIMEOUT_MS);
  });

  it('starts a new client, login kept, when the link stays lost longer than LINK_LOST_TIMEOUT_MS', async () => {
    const pid = browserPid();
    const qrs = qrStates();
    sim.dropConnection();
    const replaced = await service.waitForLog((line) => String(line.message).startsWith('The WhatsApp Web link stayed lost'), STEP_TIMEOUT_MS);
    expect(Number(replaced.lost_ms)).to.be.at.least(LINK_LOST_TIMEOUT_MS - 50);
    await service.waitForLog((line) => line.message === 'Worker launched a browser' && line.browser_pid !== pid, STEP_TIMEOUT_MS);
    sim.restoreConnection();
    await service.waitForState('READY', STEP_TIMEOUT_MS);
    expect(browserPid()).not.to.equal(pid);
    expect(qrStates()).to.equal(qrs);
    expect((await send(TO, 'cliente nuevo')).status).to.equal(200);
  });
});
