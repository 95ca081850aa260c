// kill -9 of the whole tree (supervisor, worker, Chromium) while a copy of the saved login is being written:
// the login itself is only read by a copy, so the next start is READY without a QR and without a restore;
// the copy cut short is never taken for a snapshot and is cleared by the next one. Real Chromium against
// the WhatsApp Web simulator; the profile is padded so that the copy lasts long enough to be caught.
import { watch } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { isAlive, processTree } from '../../shared/process-tree.js';
import { RealTenant, statesLogged } from '../support/real-tenant.js';

const STEP_TIMEOUT_MS = 45_000;
const PADDING_BYTES = 160 * 1024 * 1024;

// Resolves once a temporary copy appears in the snapshots folder (a copy under way).
function copyStarted(dir: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const watcher = watch(dir, (_event, name) => {
      if (name === null || !String(name).startsWith('.tmp-')) return;
      clearTimeout(timer);
      watcher.close();
      resolve(String(name));
    });
    const timer = setTimeout(() => {
      watcher.close();
      reject(new Error(`No copy of the login started in ${dir} within ${timeoutMs} ms`));
    }, timeoutMs);
  });
}

describe('kill -9 of the whole tree in the middle of a snapshot (real Chromium, simulated WhatsApp Web)', function () {
  this.timeout(STEP_TIMEOUT_MS);
  this.bail(true);
  const tenant = new RealTenant();

  before(() => tenant.open());
  after(() => tenant.close());

  it('links, stops, and the stopped profile is padded so that its next copy takes a while', async () => {
    await tenant.linkAndStop(STEP_TIMEOUT_MS);
    expect(await readdir(tenant.layout.loginSnapshots)).to.have.length(1);
    await writeFile(path.join(tenant.layout.profile, 'Default/Local Storage/padding.bin'), Buffer.alloc(PADDING_BYTES, 7));
  });

  it('kills every process of the service while the copy taken after READY is being written', async () => {
    const second = await tenant.start();
    const started = copyStarted(tenant.layout.loginSnapshots, STEP_TIMEOUT_MS - 5000);
    await second.waitForState('READY', STEP_TIMEOUT_MS);
    await started;
    const tree = processTree(second.child.pid as number);
    expect(tree.length).to.be.greaterThan(3);
    for (const pid of tree) process.kill(pid, 'SIGKILL');
    await new Promise((resolve) => second.child.once('exit', resolve));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(tree.filter(isAlive)).to.deep.equal([]);
    // Cut short: the temporary copy is left, and it was not renamed into a snapshot.
    const left = await readdir(tenant.layout.loginSnapshots);
    expect(left.filter((name) => name.startsWith('.tmp-'))).to.have.length(1);
    expect(left.filter((name) => !name.startsWith('.'))).to.have.length(1);
  });

  it('comes back READY without a QR and without a restore; the next copy clears the one cut short', async () => {
    const third = await tenant.start();
    const ready = await third.waitForState('READY', STEP_TIMEOUT_MS);
    expect(statesLogged(third)).not.to.include('QR_REQUIRED');
    expect(ready.last_restore).to.equal(null);
    const copied = await third.waitForLog((line) => line.message === 'Saved login copied', STEP_TIMEOUT_MS);
    console.log(`      padded copy: ${String(copied.bytes)} bytes in ${String(copied.duration_ms)} ms`);
    const left = await readdir(tenant.layout.loginSnapshots);
    expect(left.filter((name) => name.startsWith('.tmp-'))).to.deep.equal([]);
    expect(left).to.have.length(2);
    expect(await third.stop('SIGTERM')).to.equal(0);
  });
});
