// End to end: the real supervisor, the real worker, unmodified whatsapp-web.js in real Chromium, against
// the local WhatsApp Web simulator. One story; each step depends on the previous one.
import { expect } from 'chai';
import { postJson, request } from '../support/http.js';
import { chromiumProcessesFor } from '../support/chromium-processes.js';
import { pollHealth } from '../support/health-poller.js';
import { startService, type ServiceProcess } from '../support/service-process.js';
import { requireChromium } from '../support/require-chromium.js';
import { startWhatsAppSimulator, type WhatsAppSimulator } from '../support/wa-sim/index.js';

const TO = '5491122334455';
const STEP_TIMEOUT_MS = 45_000;

function statesLogged(service: ServiceProcess, from: number): string[] {
  return service
    .logs()
    .slice(from)
    .filter((line) => line.message === 'WhatsApp state')
    .map((line) => String(line.state));
}

describe('whatsapp-web.js driver end to end (real Chromium, simulated WhatsApp Web)', function () {
  this.timeout(STEP_TIMEOUT_MS);
  this.bail(true);
  let sim: WhatsAppSimulator;
  let service: ServiceProcess;
  let sessionsDir: string;
  const timings: Record<string, number> = {};

  function start(): Promise<ServiceProcess> {
    return startService({
      ...(sessionsDir ? { sessionsDir } : {}),
      env: { WA_DRIVER: 'whatsapp-web.js', CHROME_ARGS: JSON.stringify(sim.chromeArgs), LOG_LEVEL: 'info' },
    });
  }

  async function timed<T>(name: string, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const result = await work();
    timings[name] = Math.round(performance.now() - started);
    return result;
  }

  async function expectQrFromSimulator(): Promise<string> {
    await service.waitForState('QR_REQUIRED', STEP_TIMEOUT_MS);
    const qr = await request(`${service.url}/qr-code`);
    expect(qr.status).to.equal(200);
    expect(qr.body.qr_code).to.equal(sim.currentQr());
    return String(qr.body.qr_code);
  }

  before(async () => {
    requireChromium();
    sim = await startWhatsAppSimulator({ qrRotateMs: 60_000 });
  });

  after(async () => {
    await service?.cleanup();
    await sim?.close();
    console.log(`      timings (ms): ${JSON.stringify(timings)}`);
  });

  afterEach(function () {
    expect(sim.unknownModules(), 'whatsapp-web.js asked for modules the simulator does not provide').to.deep.equal([]);
  });

  it('starts fresh in QR_REQUIRED and serves the same QR as WhatsApp Web shows', async () => {
    const started = performance.now();
    service = await start();
    sessionsDir = service.sessionsDir;
    const qr = await expectQrFromSimulator();
    timings.start_to_qr = Math.round(performance.now() - started);
    await service.waitForOutput('Scan this QR code');
    expect(JSON.stringify(service.logs()), 'the raw QR must stay out of the JSON logs').not.to.contain(qr.split(',')[0]);
  });

  it('becomes READY once the phone scans, and shows the account', async () => {
    await timed('scan_to_ready', async () => {
      sim.scan(String(sim.currentQr()));
      await service.waitForState('READY', STEP_TIMEOUT_MS);
    });
    const account = await request(`${service.url}/account-info`);
    expect(account.body).to.deep.equal({ phone: '5491100000000', platform: 'android', pushname: 'Sim Phone' });
    const memory = chromiumProcessesFor(sessionsDir).reduce((sum, process) => sum + process.rssKb, 0);
    timings.chromium_rss_mb = Math.round(memory / 1024);
  });

  it('sends a message that WhatsApp records with the returned id', async () => {
    const sent = await timed('send', () => postJson(`${service.url}/send`, { cliente_id: 51, to: `+${TO}`, message: 'Hola 👋' }));
    expect(sent.status, JSON.stringify(sent.body)).to.equal(200);
    const recorded = sim.sentMessages();
    expect(recorded).to.have.length(1);
    expect(recorded[0]).to.include({ to: `${TO}@c.us`, body: 'Hola 👋', id: sent.body.message_id });
  });

  it('sends to the id WhatsApp resolves, not to the digits as typed (extra mobile 9)', async () => {
    sim.mapNumber('5491133334444', '541133334444');
    const sent = await postJson(`${service.url}/send`, { cliente_id: 51, to: '5491133334444', message: 'con 9' });
    expect(sent.status).to.equal(200);
    expect(sim.sentMessages().at(-1)).to.include({ to: '541133334444@c.us', id: sent.body.message_id });
  });

  it('answers 422 NUMBER_NOT_ON_WHATSAPP for an unregistered number and sends nothing', async () => {
    sim.markUnregistered('5491199998888');
    const before = sim.sentMessages().length;
    const sent = await postJson(`${service.url}/send`, { cliente_id: 51, to: '5491199998888', message: 'nadie' });
    expect(sent.status).to.equal(422);
    expect(sent.body.code).to.equal('NUMBER_NOT_ON_WHATSAPP');
    expect(sim.sentMessages()).to.have.length(before);
  });

  it('answers 500 SEND_FAILED with the reason when WhatsApp fails the send', async () => {
    sim.failNextSend('rate-overlimit');
    const before = sim.sentMessages().length;
    const sent = await postJson(`${service.url}/send`, { cliente_id: 51, to: TO, message: 'falla' });
    expect(sent.status).to.equal(500);
    expect(sent.body.code).to.equal('SEND_FAILED');
    expect(sent.body.message).to.contain('rate-overlimit');
    expect(sent.body.message).not.to.match(/\n|\bat .*:\d+:\d+/);
    expect(sim.sentMessages()).to.have.length(before);
  });

  it('recycles the worker on SIGUSR2 with /health up throughout and the login restored without a QR', async () => {
    const mark = service.logs().length;
    const poller = pollHealth(service.url);
    await timed('recycle_to_ready', async () => {
      service.child.kill('SIGUSR2');
      await service.waitForLog((line) => line.message === 'Worker replaced', STEP_TIMEOUT_MS);
      await service.waitForState('READY', STEP_TIMEOUT_MS);
    });
    expect((await poller.stop()).failures).to.deep.equal([]);
    expect(statesLogged(service, mark)).not.to.include('QR_REQUIRED');
    expect((await postJson(`${service.url}/send`, { cliente_id: 51, to: TO, message: 'after recycle' })).status).to.equal(200);
  });

  it('stops on SIGTERM with exit 0 and no Chromium left, and a new start is READY without a QR', async () => {
    expect(await service.stop('SIGTERM')).to.equal(0);
    expect(chromiumProcessesFor(sessionsDir)).to.deep.equal([]);
    const started = performance.now();
    service = await start();
    await service.waitForState('READY', STEP_TIMEOUT_MS);
    timings.restart_to_ready = Math.round(performance.now() - started);
    expect(statesLogged(service, 0)).not.to.include('QR_REQUIRED');
  });

  it('offers a fresh QR by itself after the phone unlinks the device', async () => {
    sim.phoneLogout();
    await service.waitForLog((line) => line.message === 'WhatsApp state' && line.reason === 'LOGOUT', STEP_TIMEOUT_MS);
    await expectQrFromSimulator();
    sim.scan(String(sim.currentQr()));
    await service.waitForState('READY', STEP_TIMEOUT_MS);
  });

  it('keeps the login on /disconnect and restores it on /connect without a QR', async () => {
    const mark = service.logs().length;
    const disconnected = await request(`${service.url}/disconnect`, { method: 'POST' });
    expect(disconnected.body).to.deep.equal({ ok: true, message: 'WhatsApp session disconnected successfully' });
    const status = await request(`${service.url}/status`);
    expect(status.body).to.include({ state: 'DISCONNECTED', last_disconnect_reason: 'DISCONNECT_REQUESTED' });
    expect(chromiumProcessesFor(sessionsDir)).to.deep.equal([]);
    await request(`${service.url}/connect`, { method: 'POST' });
    await service.waitForState('READY', STEP_TIMEOUT_MS);
    expect(statesLogged(service, mark)).not.to.include('QR_REQUIRED');
  });

  it('needs a new QR after /disconnect with {"logout": true}', async () => {
    const devices = sim.linkedDevices();
    const loggedOut = await postJson(`${service.url}/disconnect`, { logout: true });
    expect(loggedOut.status).to.equal(200);
    expect(sim.linkedDevices()).to.equal(devices - 1);
    await request(`${service.url}/connect`, { method: 'POST' });
    await expectQrFromSimulator();
    expect(await service.stop('SIGTERM')).to.equal(0);
    expect(chromiumProcessesFor(sessionsDir)).to.deep.equal([]);
  });
});
