// A crash loop heals by itself once its cause is gone: the real supervisor and worker, whatsapp-web.js in
// real Chromium against the simulator. The cause here: CHROME_PATH names a browser that is not there
// (a package being upgraded, a volume not mounted). Once it is there, the next slow retry brings the
// session up, without a signal or a request.
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { resolveChromium } from '../../worker/drivers/wwebjs/chromium.js';
import { until } from '../support/promises.js';
import { requireChromium } from '../support/require-chromium.js';
import { startService, type ServiceProcess } from '../support/service-process.js';
import { startWhatsAppSimulator, type WhatsAppSimulator } from '../support/wa-sim/index.js';

const STEP_TIMEOUT_MS = 45_000;
const RETRY = 'Crash loop: trying the worker again';
const GAVE_UP = 'Worker keeps failing; trying again slowly';

describe('a crash loop that heals once its cause is removed (real processes, real Chromium)', function () {
  this.timeout(STEP_TIMEOUT_MS);
  let sim: WhatsAppSimulator;
  let scratch: string;
  let service: ServiceProcess | undefined;

  before(async () => {
    requireChromium();
    sim = await startWhatsAppSimulator({ qrRotateMs: 60_000 });
    scratch = await mkdtemp(path.join(os.tmpdir(), 'sm-crash-loop-'));
  });

  after(async () => {
    if (service?.child.exitCode === null) await service.stop('SIGTERM');
    await service?.cleanup();
    await sim?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('keeps retrying slowly with the reason in /status, and comes up by itself once Chromium is there', async () => {
    const browser = path.join(scratch, 'chromium');
    service = await startService({
      env: {
        WA_DRIVER: 'whatsapp-web.js',
        CHROME_PATH: browser,
        CHROME_ARGS: JSON.stringify(sim.chromeArgs),
        RESTART_MAX_FAILURES: '1',
        CRASH_LOOP_RETRY_MS: '1500',
      },
    });
    const running = service;
    await running.waitForLog((line) => line.message === GAVE_UP, STEP_TIMEOUT_MS);
    const down = await running.waitForState('DISCONNECTED');
    expect(down.last_disconnect_reason).to.match(/^CRASH_LOOP: .*CHROME_PATH=.* is not an executable file.*trying again every 2 s/);
    // A retry that fails again is logged and the reason stays.
    await running.waitForLog((line) => line.message === RETRY, STEP_TIMEOUT_MS);
    await until(() => running.logs().filter((line) => line.message === GAVE_UP).length >= 2, STEP_TIMEOUT_MS);
    expect((await running.waitForState('DISCONNECTED')).last_disconnect_reason).to.match(/^CRASH_LOOP: /);

    await symlink(resolveChromium(undefined), browser);
    const healed = await running.waitForState('QR_REQUIRED', STEP_TIMEOUT_MS);
    expect(healed.worker).to.deep.include({ status: 'RUNNING' });
    expect(running.logs().filter((line) => line.message === RETRY).length).to.be.at.least(2);
  });
});
