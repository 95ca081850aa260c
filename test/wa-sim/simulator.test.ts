// Real, unmodified whatsapp-web.js 1.34.7 in real Chromium against the local WhatsApp Web simulator.
// One sequential story over four Client lifecycles sharing one dataPath (steps depend on each other: bail).
import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import wwebjs from 'whatsapp-web.js';
import { requireChromium } from '../support/require-chromium.js';
import { startWhatsAppSimulator, type WhatsAppSimulator } from '../support/wa-sim/index.js';

const { Client, LocalAuth } = wwebjs;
type WAClient = InstanceType<typeof Client>;

const PHONE = '5491100000000';
const PUSHNAME = 'Sim Phone';
const PLATFORM = 'android';
const QR_ROTATE_MS = 2000;
const WATCHED_EVENTS = ['qr', 'authenticated', 'auth_failure', 'ready', 'disconnected', 'change_state'] as const;

// ---------------------------------------------------------------------------------------------- helpers

interface RecordedEvent {
  readonly name: string;
  readonly args: readonly unknown[];
}

/** Records a client's events; waitFor() looks at events from a cursor on, so nothing is missed. */
class EventLog {
  readonly events: RecordedEvent[] = [];
  readonly #waiters = new Set<() => void>();

  constructor(client: WAClient) {
    for (const name of WATCHED_EVENTS) {
      client.on(name, (...args: unknown[]) => {
        this.events.push({ name, args });
        for (const wake of [...this.#waiters]) wake();
      });
    }
  }

  mark(): number {
    return this.events.length;
  }

  names(from = 0): string[] {
    return this.events.slice(from).map((e) => e.name);
  }

  waitFor(name: string, opts: { from?: number; timeoutMs?: number } = {}): Promise<readonly unknown[]> {
    const from = opts.from ?? 0;
    const timeoutMs = opts.timeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.events.slice(from).find((e) => e.name === name);
        if (!found) return;
        cleanup();
        resolve(found.args);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no '${name}' event within ${timeoutMs} ms; saw: ${this.names(from).join(', ')}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }
}

function firstArg(args: readonly unknown[]): unknown {
  return args[0];
}

/** GET/POST the simulator's HTTP control API (self-signed certificate). */
function control(sim: WhatsAppSimulator, method: 'GET' | 'POST', route: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${sim.controlUrl}${route}`,
      { method, rejectUnauthorized: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        });
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function eventually(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await sleep(50);
  }
}

/** RSS and PSS (MB) summed over a process and all its descendants (Linux /proc). */
function processTreeMemory(rootPid: number): { processes: number; rssMb: number; pssMb: number } {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // process exited meanwhile
    }
  }
  const tree = [rootPid];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of parentOf) if (ppid === tree[i]) tree.push(pid);
  }
  let rssKb = 0;
  let pssKb = 0;
  for (const pid of tree) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      rssKb += Number(/^Rss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
      pssKb += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
    } catch {
      // exited meanwhile
    }
  }
  return { processes: tree.length, rssMb: Math.round(rssKb / 1024), pssMb: Math.round(pssKb / 1024) };
}

function inode(dir: string): number | undefined {
  return existsSync(dir) ? statSync(dir).ino : undefined;
}

// ---------------------------------------------------------------------------------------------- the story

describe('wa-sim: whatsapp-web.js 1.34.7 in Chromium against the WhatsApp Web simulator', function () {
  this.timeout(60_000);
  this.bail(true);

  let sim: WhatsAppSimulator;
  let sessionsDir: string;
  let dataPath: string;
  let sessionDir: string;
  const clients: WAClient[] = [];
  const measurements: Record<string, string> = {};
  let chromiumPath = '';

  function newClient(): { client: WAClient; log: EventLog } {
    const client = new Client({
      authStrategy: new LocalAuth({ dataPath }),
      webVersionCache: { type: 'local', path: path.join(dataPath, 'wwebjs-cache') },
      puppeteer: {
        executablePath: chromiumPath,
        headless: true,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--disable-dev-shm-usage',
          ...sim.chromeArgs,
        ],
      },
    });
    clients.push(client);
    return { client, log: new EventLog(client) };
  }

  function browserPid(client: WAClient): number {
    const pid = client.pupBrowser?.process()?.pid;
    if (pid === undefined) throw new Error('client has no browser process');
    return pid;
  }

  before(async () => {
    chromiumPath = requireChromium();
    sim = await startWhatsAppSimulator({ qrRotateMs: QR_ROTATE_MS, phone: PHONE, pushname: PUSHNAME, platform: PLATFORM });
    sessionsDir = await mkdtemp(path.join(os.tmpdir(), 'wa-sim-sessions-'));
    dataPath = path.join(sessionsDir, 'cliente_1');
    sessionDir = path.join(dataPath, 'session');
  });

  after(async () => {
    for (const client of clients) await client.destroy().catch(() => undefined);
    await sim?.close();
    if (sessionsDir) await rm(sessionsDir, { recursive: true, force: true });
    if (Object.keys(measurements).length > 0) console.log(`      [wa-sim measurements] ${JSON.stringify(measurements)}`);
  });

  describe('lifecycle 1: fresh profile -> QR -> scan -> ready -> lookups and sends', () => {
    let client: WAClient;
    let log: EventLog;
    let firstQr: string;
    let hungSend: Promise<string> | undefined;

    it('emits a qr event equal to sim.currentQr()', async () => {
      ({ client, log } = newClient());
      const started = Date.now();
      const init = client.initialize();
      firstQr = String(firstArg(await log.waitFor('qr')));
      measurements['chromiumStartToQrMs'] = String(Date.now() - started);
      await init;
      expect(firstQr).to.equal(sim.currentQr());
      expect(firstQr.split(',')).to.have.length(5);
      expect((await control(sim, 'GET', '/qr')).json).to.deep.equal({ qr: firstQr });
      expect(sim.linkedDevices()).to.equal(0);
    });

    it('rotates the QR through the library (change:ref) and refuses a stale QR', async () => {
      const [secondQr] = await log.waitFor('qr', { from: 1, timeoutMs: QR_ROTATE_MS * 3 });
      expect(secondQr).to.be.a('string').and.not.equal(firstQr);
      expect(secondQr).to.equal(sim.currentQr());
      // Same page keys, new ref.
      expect(String(secondQr).split(',').slice(1)).to.deep.equal(firstQr.split(',').slice(1));

      expect(() => sim.scan(firstQr)).to.throw(/not currently shown/);
      const viaHttp = await control(sim, 'POST', '/scan', { qr: firstQr });
      expect(viaHttp.status).to.equal(409);
      expect(sim.linkedDevices()).to.equal(0);
      expect(log.names()).to.not.include('authenticated');
    });

    it('scan -> authenticated -> ready, and client.info shows the account', async () => {
      const qr = sim.currentQr();
      expect(qr).to.be.a('string');
      const from = log.mark();
      const scanned = Date.now();
      sim.scan(qr ?? '');
      await log.waitFor('authenticated', { from });
      await log.waitFor('ready', { from });
      measurements['scanToReadyMs'] = String(Date.now() - scanned);
      expect(sim.linkedDevices()).to.equal(1);
      expect(client.info.wid.user).to.equal(PHONE);
      expect(client.info.wid._serialized).to.equal(`${PHONE}@c.us`);
      expect(client.info.pushname).to.equal(PUSHNAME);
      expect(client.info.platform).to.equal(PLATFORM);
      expect(await client.getState()).to.equal('CONNECTED');
      await sleep(300); // let the page settle before measuring
      const mem = processTreeMemory(browserPid(client));
      measurements['chromiumMemoryAtReady'] = `${mem.processes} processes, RSS sum ${mem.rssMb} MB, PSS sum ${mem.pssMb} MB`;
    });

    it('getNumberId: registered, unregistered (null) and mapped numbers', async () => {
      expect(await client.getNumberId('5491122334455')).to.deep.equal({
        server: 'c.us',
        user: '5491122334455',
        _serialized: '5491122334455@c.us',
      });

      sim.markUnregistered('5491199999999');
      expect(await client.getNumberId('5491199999999')).to.equal(null);

      sim.mapNumber('5491133334444', '541133334444');
      const mapped = await client.getNumberId('5491133334444');
      expect(mapped?._serialized).to.equal('541133334444@c.us');
      expect(mapped?.user).to.equal('541133334444');
    });

    it('sendMessage to the id returned by lookup is recorded with the same id', async () => {
      const target = await client.getNumberId('5491133334444');
      expect(target).to.not.equal(null);
      const message = await client.sendMessage(target?._serialized ?? '', 'hola from wa-sim');
      expect(message.fromMe).to.equal(true);
      expect(message.body).to.equal('hola from wa-sim');
      // As in WhatsApp Web, sendMessage resolves once the message is in the chat (ack 0); the server's
      // answer and ack follow.
      expect(message.ack).to.equal(0);
      await eventually('the server records the message', () => sim.sentMessages().length === 1);
      const sent = sim.sentMessages();
      expect(sent).to.have.length(1);
      expect(sent[0]).to.include({ to: '541133334444@c.us', body: 'hola from wa-sim', id: message.id._serialized });
      expect((await control(sim, 'GET', '/messages')).json).to.deep.equal(sent);
    });

    it('failNextSend makes sendMessage (waiting for the send result) reject and records nothing; the next send works', async () => {
      sim.failNextSend('simulated server refusal');
      let error: unknown;
      try {
        await client.sendMessage('5491122334455@c.us', 'this one fails', { waitUntilMsgSent: true });
      } catch (err) {
        error = err;
      }
      expect(error).to.be.instanceOf(Error);
      expect((error as Error).message).to.contain('simulated server refusal');
      expect(sim.sentMessages()).to.have.length(1);

      const ok = await client.sendMessage('5491122334455@c.us', 'this one works', { waitUntilMsgSent: true });
      expect(sim.sentMessages().map((m) => m.id)).to.include(ok.id._serialized);
    });

    it('hangNextSend keeps sendMessage (waiting for the send result) pending and records nothing', async () => {
      sim.hangNextSend();
      const before = sim.sentMessages().length;
      let settled = false;
      hungSend = client.sendMessage('5491122334455@c.us', 'this one hangs', { waitUntilMsgSent: true }).then(
        () => 'resolved',
        (err: unknown) => `rejected: ${String(err)}`,
      );
      void hungSend.then(() => (settled = true));
      await sleep(1500);
      expect(settled).to.equal(false);
      expect(sim.sentMessages()).to.have.length(before);
    });

    it('destroy() closes Chromium (the hung send rejects); no unknown modules were required', async () => {
      const pid = browserPid(client);
      const destroyed = Date.now();
      await client.destroy();
      measurements['destroyMs'] = String(Date.now() - destroyed);
      expect(await hungSend).to.match(/^rejected: .*(Target closed|Session closed|detached)/i);
      expect(client.pupBrowser?.connected).to.equal(false);
      await eventually(`Chromium ${pid} exited`, () => client.pupBrowser?.process()?.exitCode !== null || client.pupBrowser?.process()?.signalCode !== null);
      expect(existsSync(path.join(dataPath, 'wwebjs-cache', '2.3000.1017054665.html'))).to.equal(true);
      expect(log.names()).to.not.include('disconnected');
      expect(sim.unknownModules()).to.deep.equal([]);
    });
  });

  describe('lifecycle 2: saved profile -> ready without QR -> drop/restore -> phone logout', () => {
    let client: WAClient;
    let log: EventLog;

    it('a new Client with the same dataPath comes back ready with no qr event', async () => {
      ({ client, log } = newClient());
      const started = Date.now();
      await client.initialize();
      await log.waitFor('ready');
      measurements['restartToReadyMs'] = String(Date.now() - started);
      expect(log.names()).to.deep.equal(['authenticated', 'ready']);
      expect(client.info.wid.user).to.equal(PHONE);
      expect(sim.linkedDevices()).to.equal(1);
    });

    it('dropConnection -> change_state TIMEOUT; sends wait; restoreConnection -> OPENING, CONNECTED', async () => {
      const from = log.mark();
      sim.dropConnection();
      await log.waitFor('change_state', { from });
      expect(log.events.slice(from).map((e) => [e.name, ...e.args])).to.deep.equal([['change_state', 'TIMEOUT']]);
      expect(await client.getState()).to.equal('TIMEOUT');

      const before = sim.sentMessages().length;
      const pending = client.sendMessage('5491122334455@c.us', 'sent while offline', { waitUntilMsgSent: true });
      await sleep(700);
      expect(sim.sentMessages()).to.have.length(before);

      const restoredFrom = log.mark();
      sim.restoreConnection();
      const message = await pending;
      await log.waitFor('change_state', { from: restoredFrom + 1 });
      expect(log.events.slice(from).map((e) => [e.name, ...e.args])).to.deep.equal([
        ['change_state', 'TIMEOUT'],
        ['change_state', 'OPENING'],
        ['change_state', 'CONNECTED'],
      ]);
      expect(sim.sentMessages().at(-1)).to.include({ id: message.id._serialized, body: 'sent while offline' });
    });

    it('phoneLogout -> disconnected LOGOUT, LocalAuth wipes the profile, the same client shows a new QR', async () => {
      const sessionInode = inode(sessionDir);
      expect(existsSync(path.join(sessionDir, 'Default', 'Local Storage'))).to.equal(true);
      const from = log.mark();
      sim.phoneLogout();
      const [reason] = await log.waitFor('disconnected', { from });
      expect(reason).to.equal('LOGOUT');
      expect(sim.linkedDevices()).to.equal(0);
      // LocalAuth.logout() rm -rf's <dataPath>/session, then recreates it empty (Chromium is still running).
      await eventually('session dir removed and recreated', () => {
        const now = inode(sessionDir);
        return now !== undefined && now !== sessionInode;
      });
      expect(existsSync(path.join(sessionDir, 'Default', 'Local Storage'))).to.equal(false);
      const [qr] = await log.waitFor('qr', { from });
      expect(qr).to.equal(sim.currentQr());
      // Only more QR rotations may follow; no other event.
      expect(log.names(from).slice(0, 2)).to.deep.equal(['disconnected', 'qr']);
      expect(log.names(from + 2).every((n) => n === 'qr')).to.equal(true);
      await client.destroy();
      expect(sim.unknownModules()).to.deep.equal([]);
    });
  });

  describe('lifecycle 3: after phone logout -> fresh QR -> ready -> client.logout()', () => {
    let client: WAClient;
    let log: EventLog;

    it('a new Client gets a fresh qr (not ready)', async () => {
      ({ client, log } = newClient());
      await client.initialize();
      const [qr] = await log.waitFor('qr');
      expect(qr).to.equal(sim.currentQr());
      expect(log.names().every((n) => n === 'qr')).to.equal(true);
    });

    it('scan -> ready again; still no unknown modules', async () => {
      const from = log.mark();
      sim.scan(sim.currentQr() ?? '');
      await log.waitFor('ready', { from });
      expect(sim.linkedDevices()).to.equal(1);
      expect(sim.unknownModules()).to.deep.equal([]);
    });

    it('window.require throws loudly for a module it does not simulate, and reports it', async () => {
      const page = client.pupPage;
      if (!page) throw new Error('client has no page');
      let error: unknown;
      try {
        await page.evaluate("window.require('WAWebDefinitelyNotSimulated')");
      } catch (err) {
        error = err;
      }
      expect(String(error)).to.contain("wa-sim: module 'WAWebDefinitelyNotSimulated' is not simulated");
      // Unknown collections are reported too (returned as undefined, since the library probes with ||).
      expect(await page.evaluate("window.require('WAWebCollections').GroupMetadata === undefined")).to.equal(true);
      await eventually('both misses reported', () => sim.unknownModules().length === 2);
      expect(sim.unknownModules()).to.deep.equal(['WAWebDefinitelyNotSimulated', 'WAWebCollections.GroupMetadata']);
    });

    it('client.logout() unlinks the device on the server and deletes the profile, emitting no events', async () => {
      const loggedOut = log.mark();
      await client.logout();
      expect(sim.linkedDevices()).to.equal(0);
      expect(existsSync(sessionDir)).to.equal(false);
      expect(client.pupBrowser?.connected).to.equal(false);
      await sleep(300);
      expect(log.names(loggedOut)).to.deep.equal([]);
    });
  });

  describe('cleanup', () => {
    it('leaves no Chromium running', async () => {
      for (const client of clients) await client.destroy();
      await eventually('every Chromium exited', () =>
        clients.every((c) => {
          const proc = c.pupBrowser?.process();
          return !proc || proc.exitCode !== null || proc.signalCode !== null;
        }),
      );
    });
  });
});
