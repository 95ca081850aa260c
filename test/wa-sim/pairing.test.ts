// Linking with a phone number instead of the QR, as unmodified whatsapp-web.js 1.34.7 does it in real
// Chromium against the simulator: client.requestPairingCode drives the page's WAWebAltDeviceLinkingApi,
// the phone enters the code, and the library sees the link like a scan's (authenticated, ready).
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import wwebjs from 'whatsapp-web.js';
import { chromiumArgs } from '../../worker/drivers/wwebjs/chromium.js';
import { requireChromium } from '../support/require-chromium.js';
import { startWhatsAppSimulator, type WhatsAppSimulator } from '../support/wa-sim/index.js';

const { Client, LocalAuth } = wwebjs;
type WAClient = InstanceType<typeof Client>;

const PHONE = '5491100000000';

// The simulator's control API, as a person uses it (curl -k).
function control(sim: WhatsAppSimulator, method: string, route: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${sim.controlUrl}${route}`, { method, rejectUnauthorized: false }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => void (text += chunk.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe('wa-sim: linking with a phone number through whatsapp-web.js', function () {
  this.timeout(60_000);
  this.bail(true);
  let sim: WhatsAppSimulator;
  let client: WAClient;
  let dataPath: string;
  const codes: string[] = [];
  let ready: Promise<void>;
  let authenticated = false;

  before(async () => {
    const executablePath = requireChromium();
    sim = await startWhatsAppSimulator({ qrRotateMs: 60_000, phone: PHONE });
    dataPath = await mkdtemp(path.join(os.tmpdir(), 'wa-sim-pairing-'));
    client = new Client({
      authStrategy: new LocalAuth({ dataPath }),
      webVersionCache: { type: 'local', path: path.join(dataPath, 'wwebjs-cache') },
      puppeteer: { executablePath, headless: true, args: chromiumArgs(sim.chromeArgs) },
    });
    client.on('code', (code: string) => void codes.push(code));
    client.on('authenticated', () => void (authenticated = true));
    ready = new Promise<void>((resolve) => client.once('ready', () => resolve()));
    const qr = new Promise<void>((resolve) => client.once('qr', () => resolve()));
    await client.initialize();
    await qr;
  });

  after(async () => {
    await client?.destroy().catch(() => undefined);
    await sim?.close();
    if (dataPath) await rm(dataPath, { recursive: true, force: true });
  });

  afterEach(() => {
    expect(sim.unknownModules()).to.deep.equal([]);
  });

  it("requestPairingCode resolves with the server's code for that number, and emits it as 'code'", async () => {
    const code = await client.requestPairingCode(PHONE);
    expect(code).to.match(/^[A-Z0-9]{8}$/);
    expect(sim.currentPairingCode()).to.deep.equal({ code, phone: PHONE, notify: true });
    expect(codes).to.deep.equal([code]);
  });

  it('refuses a code asked for another number, and a code no page asked for', async () => {
    const other = await client.requestPairingCode('5491199999999', false);
    expect(() => sim.enterPairingCode(other)).to.throw(/asked for 5491199999999/);
    expect(() => sim.enterPairingCode('ZZZZ-ZZZZ')).to.throw(/no page waiting/);
    expect(authenticated).to.equal(false);
  });

  it('the phone entering the code (control API) links the client: authenticated, ready, the account in client.info', async () => {
    const code = await client.requestPairingCode(PHONE);
    expect(await control(sim, 'GET', '/pairing-code')).to.deep.equal({ status: 200, body: { code, phone: PHONE, notify: true } });
    const entered = await control(sim, 'POST', '/enter-code', { code: `${code.slice(0, 4)}-${code.slice(4)}` });
    expect(entered).to.deep.equal({ status: 200, body: { ok: true, linkedDevices: 1 } });
    await ready;
    expect(authenticated).to.equal(true);
    expect(client.info.wid.user).to.equal(PHONE);
    expect(sim.linkedDevices()).to.equal(1);
    expect(sim.currentPairingCode()).to.equal(undefined);
  });
});
