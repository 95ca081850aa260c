// The HTTP answers that depend on the session's state, over the real session: the Koa app, the worker
// host, and in-memory workers running the real worker code with the fake driver. A 409 here comes from
// the product's own check, not from a stand-in's copy of it.
import { writeFile } from 'node:fs/promises';
import { expect } from 'chai';
import { loadConfig } from '../../../shared/config.js';
import { forgetLogin } from '../../../shared/session-layout.js';
import { createApp } from '../../../supervisor/http/app.js';
import type { SendService } from '../../../supervisor/sender.js';
import type { SessionSnapshot } from '../../../supervisor/session-state.js';
import { WorkerHost } from '../../../supervisor/worker-host.js';
import { postJson, request, serve, type JsonResponse, type TestServer } from '../../support/http.js';
import { captureLogger } from '../../support/logger.js';
import { memoryFork, type MemoryFork } from '../../support/memory-fork.js';
import { outboxLines } from '../../support/outbox.js';
import { driverScript, scriptedDrivers } from '../../support/scripted-driver.js';

const SEND = { cliente_id: 51, to: '5491123456789', message: 'Hola' };

function expectRefused(response: JsonResponse, code: string, state: string): void {
  expect(response.status, JSON.stringify(response.body)).to.equal(409);
  expect(response.body).to.include({ ok: false, code });
  expect(response.body.message).to.contain(`state: ${state}`);
}

describe('HTTP app over the real session', function () {
  this.timeout(10_000);
  let forks: MemoryFork;
  let host: WorkerHost;
  let server: TestServer;

  async function start(options: { loggedIn: boolean; env?: Record<string, string> }): Promise<void> {
    const { logger } = captureLogger();
    forks = await memoryFork(scriptedDrivers(driverScript({ scanDelayMs: 60_000 })), logger);
    if (options.loggedIn) await writeFile(forks.layout.fakeLogin, JSON.stringify({ phone: '5491100000051', pushname: 'Test' }));
    const config = loadConfig({ CLIENTE_ID: '51', WA_DRIVER: 'fake', ...options.env });
    host = new WorkerHost({ config, logger, fork: forks.fork, forgetLogin: () => forgetLogin(forks.layout, 'fake'), measureMemoryMb: () => 50 });
    const sender: SendService = { send: async (params) => ({ messageId: (await host.send(params)).messageId, replayed: false }) };
    server = await serve(createApp({ clienteId: 51, apiToken: undefined, service: host, sender, logger }));
    host.start();
  }

  function until(match: (snapshot: SessionSnapshot) => boolean): Promise<void> {
    return new Promise((resolve) => {
      if (match(host.snapshot())) return resolve();
      const unsubscribe = host.subscribe((next) => {
        if (!match(next)) return;
        unsubscribe();
        resolve();
      });
    });
  }

  afterEach(async () => {
    await server?.close();
    await host?.stop();
    await forks?.close();
  });

  it('while QR_REQUIRED: /qr-code serves the QR; /send and /account-info answer 409 SESSION_NOT_READY and nothing is sent', async () => {
    await start({ loggedIn: false });
    await until((snapshot) => snapshot.state === 'QR_REQUIRED');
    const qr = await request(`${server.url}/qr-code`);
    expect(qr.status).to.equal(200);
    expect(qr.body.qr_code).to.match(/^2@/);
    const png = await fetch(`${server.url}/qr-code?format=png`);
    expect(png.status).to.equal(200);
    expect(png.headers.get('content-type')).to.equal('image/png');
    expectRefused(await postJson(`${server.url}/send`, SEND), 'SESSION_NOT_READY', 'QR_REQUIRED');
    expectRefused(await request(`${server.url}/account-info`), 'SESSION_NOT_READY', 'QR_REQUIRED');
    const pairing = await postJson(`${server.url}/pairing-code`, { phone: '5491123456789' });
    expect(pairing.status).to.equal(200);
    expect(pairing.body.pairing_code).to.match(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    expect(await outboxLines(forks)).to.deep.equal([]);
  });

  it('while READY: /send sends, /qr-code answers 409 QR_NOT_AVAILABLE naming READY', async () => {
    await start({ loggedIn: true });
    await until((snapshot) => snapshot.state === 'READY');
    const sent = await postJson(`${server.url}/send`, SEND);
    expect(sent.status).to.equal(200);
    expectRefused(await request(`${server.url}/qr-code`), 'QR_NOT_AVAILABLE', 'READY');
    expectRefused(await request(`${server.url}/qr-code?format=png`), 'QR_NOT_AVAILABLE', 'READY');
    expectRefused(await postJson(`${server.url}/pairing-code`, { phone: '5491123456789' }), 'PAIRING_NOT_AVAILABLE', 'READY');
    const outbox = await outboxLines(forks);
    expect(outbox.map((line) => line.message_id)).to.deep.equal([sent.body.message_id]);
  });

  it('after /disconnect: /send answers 409 naming DISCONNECTED', async () => {
    await start({ loggedIn: true });
    await until((snapshot) => snapshot.state === 'READY');
    expect((await request(`${server.url}/disconnect`, { method: 'POST' })).status).to.equal(200);
    expectRefused(await postJson(`${server.url}/send`, SEND), 'SESSION_NOT_READY', 'DISCONNECTED');
  });

  it('while no worker runs (waiting to restart after a crash): /send answers 409 naming INIT', async () => {
    await start({ loggedIn: true });
    await until((snapshot) => snapshot.state === 'READY');
    forks.children[0]?.kill('SIGKILL');
    await until((snapshot) => snapshot.worker.status === 'BACKOFF');
    expectRefused(await postJson(`${server.url}/send`, SEND), 'SESSION_NOT_READY', 'INIT');
    expectRefused(await postJson(`${server.url}/pairing-code`, { phone: '5491123456789' }), 'PAIRING_NOT_AVAILABLE', 'INIT');
  });
});
