// The service prefers Debian's chromium-headless-shell over /usr/bin/chromium (less memory per tenant). An
// operator who upgrades, or who sets CHROME_PATH back to the full browser, must keep the saved login: both
// binaries of one Chromium version read the same profile. Real worker, real whatsapp-web.js, both browsers.
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { expect } from 'chai';
import { postJson, request } from '../support/http.js';
import { startService, type ServiceProcess } from '../support/service-process.js';
import { requireChromium } from '../support/require-chromium.js';
import { startWhatsAppSimulator, type WhatsAppSimulator } from '../support/wa-sim/index.js';

const FULL = '/usr/bin/chromium';
const SHELL = '/usr/lib/chromium/chromium-headless-shell';
const STEP_TIMEOUT_MS = 45_000;

describe('switching between Chromium and chromium-headless-shell on one saved login', function () {
  this.timeout(STEP_TIMEOUT_MS);
  this.bail(true);
  let sim: WhatsAppSimulator;
  let service: ServiceProcess | undefined;
  let sessionsDir: string | undefined;

  async function start(chromePath: string): Promise<ServiceProcess> {
    service = await startService({
      ...(sessionsDir === undefined ? {} : { sessionsDir }),
      env: { WA_DRIVER: 'whatsapp-web.js', CHROME_PATH: chromePath, CHROME_ARGS: JSON.stringify(sim.chromeArgs), LOG_LEVEL: 'info' },
    });
    sessionsDir ??= service.sessionsDir;
    return service;
  }

  // READY from the saved login alone: no QR on the way, and a message goes out.
  async function expectRestoredAndSending(running: ServiceProcess, text: string): Promise<void> {
    await running.waitForState('READY', STEP_TIMEOUT_MS);
    const states = running.logs().filter((line) => line.message === 'WhatsApp state').map((line) => line.state);
    expect(states).not.to.include('QR_REQUIRED');
    const before = sim.sentMessages().length;
    expect((await postJson(`${running.url}/send`, { cliente_id: 51, to: '5491122334455', message: text })).status).to.equal(200);
    expect(sim.sentMessages().slice(before).map((message) => message.body)).to.deep.equal([text]);
  }

  before(async function () {
    requireChromium();
    if (!existsSync(FULL) || !existsSync(SHELL)) {
      console.log(`      skipped: needs both ${FULL} and ${SHELL} (apt-get install chromium chromium-headless-shell)`);
      this.skip();
    }
    sim = await startWhatsAppSimulator({ qrRotateMs: 60_000 });
  });

  after(async () => {
    await service?.stop('SIGTERM');
    await service?.cleanup();
    if (sessionsDir !== undefined) await rm(sessionsDir, { recursive: true, force: true, maxRetries: 5 });
    await sim?.close();
  });

  it('links in the full browser', async () => {
    const first = await start(FULL);
    await first.waitForState('QR_REQUIRED', STEP_TIMEOUT_MS);
    const { body } = await request(`${first.url}/qr-code`);
    sim.scan(String(body.qr_code));
    await first.waitForState('READY', STEP_TIMEOUT_MS);
    expect(await first.stop('SIGTERM')).to.equal(0);
  });

  it('is READY without a QR in chromium-headless-shell', async () => {
    const shell = await start(SHELL);
    await expectRestoredAndSending(shell, 'from the headless shell');
    expect(await shell.stop('SIGTERM')).to.equal(0);
  });

  it('and again in the full browser', async () => {
    const full = await start(FULL);
    await expectRestoredAndSending(full, 'back in the full browser');
    expect(await full.stop('SIGTERM')).to.equal(0);
  });
});
