// The saved login kept in copies, through the real supervisor and worker on the simulated driver: a login
// damaged while the service was stopped comes back from its newest copy without a QR; a logout deletes the
// copies, so the next start asks for a QR.
import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { expect } from 'chai';
import { postJson, request } from '../support/http.js';
import { startService, type ServiceProcess } from '../support/service-process.js';
import { sessionLayout } from '../../shared/session-layout.js';

function statesLogged(service: ServiceProcess): string[] {
  return service.logs().filter((line) => line.message === 'WhatsApp state').map((line) => String(line.state));
}

describe('snapshots of the saved login (real processes, simulated driver)', function () {
  this.timeout(30_000);
  this.bail(true);
  let service: ServiceProcess | undefined;
  let sessionsDir: string | undefined;

  const layout = () => sessionLayout({ sessionsDir: sessionsDir as string, clienteId: 51 });
  async function start(): Promise<ServiceProcess> {
    service = await startService({ ...(sessionsDir ? { sessionsDir } : {}), env: { FAKE_SCAN_DELAY_MS: '300' } });
    sessionsDir = service.sessionsDir;
    return service;
  }

  after(async () => {
    if (service?.child.exitCode === null) await service.stop('SIGTERM');
    await service?.cleanup();
  });

  it('copies the login when a READY session stops politely; /status has no restore yet', async () => {
    const first = await start();
    await first.waitForState('READY');
    expect((await request(`${first.url}/status`)).body.last_restore).to.equal(null);
    expect(await first.stop('SIGTERM')).to.equal(0);
    const names = await readdir(layout().loginSnapshots);
    expect(names.some((name) => name.endsWith('-close'))).to.equal(true);
    expect(first.logs().some((line) => line.message === 'Saved login copied')).to.equal(true);
  });

  it('brings a login damaged while stopped back from its newest copy: READY without a QR, and says so', async () => {
    await rm(layout().fakeLogin);
    const second = await start();
    const ready = await second.waitForState('READY');
    expect(statesLogged(second)).not.to.include('QR_REQUIRED');
    const restore = ready.last_restore as { at: string; snapshot: string };
    expect(restore.snapshot).to.match(/-close$/);
    expect(Date.parse(restore.at)).to.be.closeTo(Date.now(), 30_000);
    expect((await request(`${second.url}/health`)).body.last_restore).to.deep.equal(restore);
    expect(second.logs().some((line) => line.message === 'Restored the saved login from a snapshot')).to.equal(true);
    expect(await second.stop('SIGTERM')).to.equal(0);
  });

  it('deletes the copies with the login on a logout: the next start asks for a QR', async () => {
    const third = await start();
    await third.waitForState('READY');
    expect((await postJson(`${third.url}/disconnect`, { logout: true })).status).to.equal(200);
    expect(existsSync(layout().loginSnapshots)).to.equal(false);
    expect(existsSync(layout().loginRecord)).to.equal(false);
    expect(await third.stop('SIGTERM')).to.equal(0);
    const fourth = await start();
    await fourth.waitForState('QR_REQUIRED');
    expect(fourth.logs().some((line) => line.message === 'Restored the saved login from a snapshot')).to.equal(false);
    await fourth.stop('SIGTERM');
  });
});
