// The saved login's copies on the real driver: unmodified whatsapp-web.js in real Chromium against the
// WhatsApp Web simulator. A profile whose storage was deleted while the service was stopped comes back
// from a copy without a QR; a phone that unlinked the device meanwhile still gets its QR, after one try.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { postJson } from '../support/http.js';
import { RealTenant, statesLogged } from '../support/real-tenant.js';

const STEP_TIMEOUT_MS = 45_000;
const RESTORED = 'Restored the saved login from a snapshot';

describe('restoring the saved login from a snapshot (real Chromium, simulated WhatsApp Web)', function () {
  this.timeout(STEP_TIMEOUT_MS);
  this.bail(true);
  const tenant = new RealTenant();

  before(() => tenant.open());
  after(() => tenant.close());

  it('links, and copies the login when it stops', async () => {
    const first = await tenant.linkAndStop(STEP_TIMEOUT_MS);
    const copied = first.logs().find((line) => line.message === 'Saved login copied');
    expect(copied?.snapshot).to.match(/-close$/);
    console.log(`      snapshot: ${String(copied?.bytes)} bytes in ${String(copied?.files)} files, ${String(copied?.duration_ms)} ms`);
  });

  it('comes back READY without a QR after the profile lost its storage while stopped', async () => {
    const profile = tenant.layout.profile;
    await rm(path.join(profile, 'Default/Local Storage'), { recursive: true, force: true });
    await rm(path.join(profile, 'Default/IndexedDB'), { recursive: true, force: true });
    const second = await tenant.start();
    const ready = await second.waitForState('READY', STEP_TIMEOUT_MS);
    expect(statesLogged(second)).not.to.include('QR_REQUIRED');
    expect(ready.last_restore).to.have.property('snapshot').that.matches(/-close$/);
    expect(second.logs().filter((line) => line.message === RESTORED)).to.have.length(1);
    const sent = await postJson(`${second.url}/send`, { cliente_id: 51, to: '5491122334455', message: 'after the restore' });
    expect(sent.status).to.equal(200);
    expect(await second.stop('SIGTERM')).to.equal(0);
  });

  it('still asks for a QR, once, when the phone unlinked the device while stopped', async () => {
    tenant.sim.phoneLogout();
    const third = await tenant.start();
    await third.waitForState('QR_REQUIRED', STEP_TIMEOUT_MS);
    // One restore was tried on the way (the saved login was refused, which looks like damage); the QR is
    // then offered and stays.
    expect(third.logs().filter((line) => line.message === RESTORED)).to.have.length(1);
    expect(third.logs().filter((line) => String(line.message).startsWith('The restored login was refused too'))).to.have.length(1);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(statesLogged(third).filter((state) => state === 'QR_REQUIRED')).to.have.length(1);
    await tenant.scan(third);
    await third.waitForState('READY', STEP_TIMEOUT_MS);
    expect(await third.stop('SIGTERM')).to.equal(0);
  });
});
