// A login moved to another host with `npm run session -- export|import` comes back READY without a QR on
// the real driver: unmodified whatsapp-web.js in real Chromium against the WhatsApp Web simulator. The
// archive holds only the parts of the profile a snapshot keeps; Chromium rebuilds the rest.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { postJson, request } from '../support/http.js';
import { requireChromium } from '../support/require-chromium.js';
import { startService, type ServiceProcess } from '../support/service-process.js';
import { startWhatsAppSimulator, type WhatsAppSimulator } from '../support/wa-sim/index.js';

const CLI = fileURLToPath(new URL('../../supervisor/session-cli.js', import.meta.url));
const STEP_TIMEOUT_MS = 45_000;

describe('moving a tenant to another host (real Chromium, simulated WhatsApp Web)', function () {
  this.timeout(STEP_TIMEOUT_MS);
  this.bail(true);
  let sim: WhatsAppSimulator;
  let scratch: string;
  let service: ServiceProcess | undefined;

  const start = async (sessionsDir: string): Promise<ServiceProcess> => {
    service = await startService({ sessionsDir, env: { WA_DRIVER: 'whatsapp-web.js', CHROME_ARGS: JSON.stringify(sim.chromeArgs) } });
    return service;
  };
  const session = (sessionsDir: string, args: string[]) =>
    spawnSync(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', CLIENTE_ID: '51', SESSIONS_DIR: sessionsDir, WA_DRIVER: 'whatsapp-web.js' },
      encoding: 'utf8',
      timeout: 30_000,
    });

  before(async () => {
    requireChromium();
    sim = await startWhatsAppSimulator({ qrRotateMs: 60_000 });
    scratch = await mkdtemp(path.join(os.tmpdir(), 'sm-move-e2e-'));
  });

  after(async () => {
    if (service?.child.exitCode === null) await service.stop('SIGTERM');
    await sim?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('exports a linked login and imports it into an empty SESSIONS_DIR, READY there without a QR', async () => {
    const oldHost = path.join(scratch, 'old');
    const newHost = path.join(scratch, 'new');
    const archive = path.join(scratch, 'tenant-51.tar.gz');
    const first = await start(oldHost);
    await first.waitForState('QR_REQUIRED', STEP_TIMEOUT_MS);
    sim.scan(String((await request(`${first.url}/qr-code`)).body.qr_code));
    await first.waitForState('READY', STEP_TIMEOUT_MS);
    expect(await first.stop('SIGTERM')).to.equal(0);

    const exported = session(oldHost, ['export', archive]);
    expect(exported.stderr).to.equal('');
    expect(exported.status).to.equal(0);
    console.log(`      archive: ${exported.stdout.match(/\((\d+) bytes/)?.[1] ?? '?'} bytes`);
    const imported = session(newHost, ['import', archive]);
    expect(imported.stderr).to.equal('');
    expect(imported.status).to.equal(0);

    const moved = await start(newHost);
    await moved.waitForState('READY', STEP_TIMEOUT_MS);
    const states = moved.logs().filter((line) => line.message === 'WhatsApp state').map((line) => line.state);
    expect(states).not.to.include('QR_REQUIRED');
    expect(moved.logs().some((line) => line.message === 'Restored the saved login from a snapshot')).to.equal(false);
    const sent = await postJson(`${moved.url}/send`, { cliente_id: 51, to: '5491122334455', message: 'from the new host' });
    expect(sent.status).to.equal(200);
    expect(await moved.stop('SIGTERM')).to.equal(0);
  });
});
