// The simulator's send results, acks, refusals and stalled link, as unmodified whatsapp-web.js 1.34.7 sees
// them in real Chromium: the library's own code paths (sendMessage with waitUntilMsgSent, message_ack,
// change_state) must carry each one, so the service's driver can be tested against them.
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import wwebjs from 'whatsapp-web.js';
import { chromiumArgs } from '../../worker/drivers/wwebjs/chromium.js';
import { rejectionOf } from '../support/promises.js';
import { requireChromium } from '../support/require-chromium.js';
import { startWhatsAppSimulator, type WhatsAppSimulator } from '../support/wa-sim/index.js';

const { Client, LocalAuth } = wwebjs;
type WAClient = InstanceType<typeof Client>;

const TO = '5491122334455@c.us';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await sleep(20);
  }
}

function post(sim: WhatsAppSimulator, route: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${sim.controlUrl}${route}`, { method: 'POST', rejectUnauthorized: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('wa-sim: send results, acks, refusals and a stalled link through whatsapp-web.js', function () {
  this.timeout(60_000);
  this.bail(true);
  let sim: WhatsAppSimulator;
  let client: WAClient;
  let dataPath: string;
  const acks: [string, number][] = [];
  const states: string[] = [];

  before(async () => {
    const executablePath = requireChromium();
    sim = await startWhatsAppSimulator({ qrRotateMs: 60_000 });
    dataPath = await mkdtemp(path.join(os.tmpdir(), 'wa-sim-sends-'));
    client = new Client({
      authStrategy: new LocalAuth({ dataPath }),
      webVersionCache: { type: 'local', path: path.join(dataPath, 'wwebjs-cache') },
      puppeteer: { executablePath, headless: true, args: chromiumArgs(sim.chromeArgs) },
    });
    client.on('message_ack', (message: wwebjs.Message, ack: number) => void acks.push([message.id._serialized, ack]));
    client.on('change_state', (state: string) => void states.push(state));
    const ready = new Promise<void>((resolve) => client.once('ready', () => resolve()));
    client.once('qr', (qr: string) => sim.scan(qr));
    await client.initialize();
    await ready;
  });

  after(async () => {
    await client?.destroy().catch(() => undefined);
    await sim?.close();
    if (dataPath) await rm(dataPath, { recursive: true, force: true });
  });

  afterEach(() => {
    expect(sim.unknownModules()).to.deep.equal([]);
  });

  it('waitUntilMsgSent returns the message with the server\'s ack; later acks arrive as message_ack in order', async () => {
    expect(await post(sim, '/ack-next-send', { acks: [{ ack: 1, delayMs: 30 }, { ack: 2, delayMs: 30 }, { ack: 3, delayMs: 30 }] })).to.equal(200);
    const started = performance.now();
    const message = await client.sendMessage(TO, 'acked', { waitUntilMsgSent: true });
    expect(performance.now() - started).to.be.at.least(25);
    expect(message.ack).to.equal(1);
    const id = message.id._serialized;
    await eventually('ack 3', () => acks.some(([of, ack]) => of === id && ack === 3));
    expect(acks.filter(([of]) => of === id).map(([, ack]) => ack)).to.deep.equal([1, 2, 3]);
    expect(sim.sentMessages().at(-1)).to.include({ id, body: 'acked' });
  });

  it('a server that fails the message (ack -1) returns it with ack -1 and does not record it', async () => {
    const before = sim.sentMessages().length;
    sim.ackNextSend([{ ack: -1, delayMs: 0 }]);
    const message = await client.sendMessage(TO, 'failed', { waitUntilMsgSent: true });
    expect(message.ack).to.equal(-1);
    expect(sim.sentMessages()).to.have.length(before);
  });

  it('an error send result returns the message still at ack 0, marked isSendFailure, and records nothing', async () => {
    const before = sim.sentMessages().length;
    sim.failNextSendResult();
    const message = await client.sendMessage(TO, 'error result', { waitUntilMsgSent: true });
    expect(message.ack).to.equal(0);
    expect((message.rawData as { isSendFailure?: boolean }).isSendFailure).to.equal(true);
    expect(sim.sentMessages()).to.have.length(before);
  });

  it('a number without a LID is found, but sendMessage throws "No LID for user" and nothing is sent', async () => {
    sim.withoutLid('5491166667777');
    const before = sim.sentMessages().length;
    const found = await client.getNumberId('5491166667777');
    expect(found?._serialized).to.equal('5491166667777@c.us');
    const error = await rejectionOf(client.sendMessage('5491166667777@c.us', 'no lid', { waitUntilMsgSent: true }));
    expect(String((error as Error).message)).to.match(/^No LID for user/);
    expect(sim.sentMessages()).to.have.length(before);
  });

  it('with new contacts limited, a new number is refused with error 463 while a known chat still works', async () => {
    expect(await post(sim, '/limit-new-contacts', { on: true })).to.equal(200);
    const before = sim.sentMessages().length;
    const error = await rejectionOf(client.sendMessage('5491188889999@c.us', 'new contact', { waitUntilMsgSent: true }));
    expect(String((error as Error).message)).to.contain('463');
    expect(sim.sentMessages()).to.have.length(before);
    const known = await client.sendMessage(TO, 'known contact', { waitUntilMsgSent: true });
    expect(known.ack).to.equal(1);
    sim.limitNewContacts(false);
  });

  it('dropConnection("OPENING"): TIMEOUT, then OPENING until restored, then CONNECTED on the same page', async () => {
    const from = states.length;
    expect(await post(sim, '/drop', { state: 'OPENING' })).to.equal(200);
    await eventually('OPENING', () => states.slice(from).includes('OPENING'));
    await sleep(500);
    expect(states.slice(from)).to.deep.equal(['TIMEOUT', 'OPENING']);
    expect(await client.getState()).to.equal('OPENING');
    sim.restoreConnection();
    await eventually('CONNECTED', () => states.slice(from).includes('CONNECTED'));
    expect(states.slice(from)).to.deep.equal(['TIMEOUT', 'OPENING', 'CONNECTED']);
    expect((await client.sendMessage(TO, 'after the stall', { waitUntilMsgSent: true })).ack).to.equal(1);
  });

  it('refuses a bad ack plan on the control API', async () => {
    expect(await post(sim, '/ack-next-send', { acks: [{ ack: 9, delayMs: 0 }] })).to.equal(400);
    expect(await post(sim, '/ack-next-send', { acks: [] })).to.equal(400);
  });
});
