// An operator's POST /disconnect that arrives while a SIGUSR2 recycle is still closing the old worker wins:
// the session stays DISCONNECTED (no new worker starts behind the operator's back), and a later
// POST /connect brings it back without a QR. Real supervisor, worker, whatsapp-web.js and Chromium.
import { expect } from 'chai';
import { chromiumProcessesFor } from '../support/chromium-processes.js';
import { postJson, request } from '../support/http.js';
import { requireChromium } from '../support/require-chromium.js';
import { startService, type ServiceProcess } from '../support/service-process.js';
import { startWhatsAppSimulator, type WhatsAppSimulator } from '../support/wa-sim/index.js';

const STEP_TIMEOUT_MS = 45_000;

describe('POST /disconnect during a SIGUSR2 recycle (real Chromium, simulated WhatsApp Web)', function () {
  this.timeout(STEP_TIMEOUT_MS);
  let sim: WhatsAppSimulator;
  let service: ServiceProcess;

  before(async () => {
    requireChromium();
    sim = await startWhatsAppSimulator({ qrRotateMs: 60_000 });
  });

  after(async () => {
    await service?.cleanup();
    await sim?.close();
  });

  it('answers 200, stays DISCONNECTED with no browser running, and /connect restores the login without a QR', async () => {
    service = await startService({ env: { WA_DRIVER: 'whatsapp-web.js', CHROME_ARGS: JSON.stringify(sim.chromeArgs), SHUTDOWN_GRACE_MS: '5000' } });
    await service.waitForState('QR_REQUIRED', STEP_TIMEOUT_MS);
    sim.scan(String(sim.currentQr()));
    await service.waitForState('READY', STEP_TIMEOUT_MS);

    // A send in flight keeps the old worker draining for a while: the recycle's window.
    sim.delayNextSend(2000);
    const inFlight = postJson(`${service.url}/send`, { cliente_id: 51, to: '5491122334455', message: 'in flight at recycle' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    service.child.kill('SIGUSR2');
    await service.waitForLog((line) => line.message === 'Recycling the worker');
    const disconnected = await request(`${service.url}/disconnect`, { method: 'POST' });
    expect(disconnected.status, JSON.stringify(disconnected.body)).to.equal(200);
    expect((await inFlight).status).to.equal(200);
    const status = await request(`${service.url}/status`);
    expect(status.body).to.deep.include({ state: 'DISCONNECTED', last_disconnect_reason: 'DISCONNECT_REQUESTED' });

    await new Promise((resolve) => setTimeout(resolve, 3000));
    const later = await request(`${service.url}/status`);
    expect(later.body.state, 'the recycle brought the session back').to.equal('DISCONNECTED');
    expect((later.body.worker as { status: string }).status).to.equal('IDLE');
    expect(chromiumProcessesFor(service.sessionsDir)).to.deep.equal([]);
    expect(service.logs().filter((line) => line.message === 'Worker launched a browser')).to.have.length(1);

    const mark = service.logs().length;
    expect((await request(`${service.url}/connect`, { method: 'POST' })).status).to.equal(200);
    await service.waitForState('READY', STEP_TIMEOUT_MS);
    expect(service.logs().slice(mark).some((line) => line.message === 'WhatsApp state' && line.state === 'QR_REQUIRED')).to.equal(false);
    expect(await service.stop('SIGTERM')).to.equal(0);
    expect(sim.unknownModules()).to.deep.equal([]);
  });
});
