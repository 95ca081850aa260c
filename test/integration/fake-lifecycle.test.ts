// The real supervisor forking the real worker with the simulated driver, end to end over HTTP and signals.
import { expect } from 'chai';
import { postJson, request } from '../support/http.js';
import { pollHealth } from '../support/health-poller.js';
import { isAlive, startService, type ServiceProcess } from '../support/service-process.js';

const SEND = { cliente_id: 51, to: '+54 9 11 2345-6789', message: 'Hola desde LeadMaster' };

function workerPids(service: ServiceProcess): number[] {
  return service
    .logs()
    .filter((line) => line.message === 'Worker ready for calls')
    .map((line) => Number(line.worker_pid));
}

describe('service with the simulated driver (real processes)', function () {
  this.timeout(30_000);
  let service: ServiceProcess;

  afterEach(async () => {
    await service?.cleanup();
  });

  it('links by pairing code: the same code for the same number, READY FAKE_SCAN_DELAY_MS later with that phone', async () => {
    service = await startService({ env: { FAKE_SCAN_DELAY_MS: '1500' } });
    await service.waitForState('QR_REQUIRED');
    const asked = await postJson(`${service.url}/pairing-code`, { phone: '+54 9 11 5555-0000' });
    expect(asked.status, JSON.stringify(asked.body)).to.equal(200);
    expect(asked.body.pairing_code).to.match(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    const again = await postJson(`${service.url}/pairing-code`, { phone: '5491155550000' });
    expect(again.body).to.deep.equal(asked.body);
    expect((await request(`${service.url}/status`)).body.state).to.equal('QR_REQUIRED');
    await service.waitForState('READY');
    expect((await request(`${service.url}/account-info`)).body).to.include({ phone: '5491155550000' });
    const refused = await postJson(`${service.url}/pairing-code`, { phone: '5491155550000' });
    expect(refused.status).to.equal(409);
    expect(refused.body).to.include({ code: 'PAIRING_NOT_AVAILABLE' });
  });

  it('goes QR -> READY -> send -> SIGUSR2 recycle -> READY without QR -> disconnect -> connect -> SIGTERM exit 0', async () => {
    service = await startService();
    const supervisorPid = service.child.pid as number;

    const health = await request(`${service.url}/health`);
    expect(health.status).to.equal(200);

    const qrStatus = await service.waitForState('QR_REQUIRED');
    expect(qrStatus.connected).to.equal(false);
    const qr = await request(`${service.url}/qr-code`);
    expect(qr.status).to.equal(200);
    expect(qr.body.qr_code).to.be.a('string').that.matches(/^2@/);
    await service.waitForOutput('Scan this QR code');
    expect(JSON.stringify(service.logs())).not.to.contain(String(qr.body.qr_code));

    await service.waitForState('READY');
    const blocked = await request(`${service.url}/qr-code`);
    expect(blocked.status).to.equal(409);
    expect(blocked.body.message).to.contain('READY');

    const sent = await postJson(`${service.url}/send`, SEND);
    expect(sent.status).to.equal(200);
    expect(sent.body.message_id).to.match(/^true_5491123456789@c\.us_[0-9A-F]+$/);
    const account = await request(`${service.url}/account-info`);
    expect(account.body).to.include({ platform: 'android' });
    expect(account.body.phone).to.match(/^\d+$/);

    const [firstWorker] = workerPids(service);
    const poller = pollHealth(service.url);
    const qrPrintsBefore = service.output().split('Scan this QR code').length;
    service.child.kill('SIGUSR2');
    await service.waitForLog((line) => line.message === 'Worker replaced');
    await service.waitForState('READY');
    const polled = await poller.stop();
    expect(polled.failures).to.deep.equal([]);
    expect(polled.count).to.be.greaterThan(3);
    const pids = workerPids(service);
    expect(pids).to.have.length(2);
    expect(pids[1]).not.to.equal(firstWorker);
    expect(isAlive(firstWorker as number)).to.equal(false);
    expect(service.child.pid).to.equal(supervisorPid);
    expect(service.output().split('Scan this QR code').length, 'no new QR after recycle').to.equal(qrPrintsBefore);
    const afterRecycle = await request(`${service.url}/health`);
    expect(afterRecycle.body.worker).to.deep.include({ pid: pids[1], restarts: 1, status: 'RUNNING' });

    const disconnected = await request(`${service.url}/disconnect`, { method: 'POST' });
    expect(disconnected.body).to.deep.equal({ ok: true, message: 'WhatsApp session disconnected successfully' });
    const status = await request(`${service.url}/status`);
    expect(status.body).to.include({ state: 'DISCONNECTED', connected: false, last_disconnect_reason: 'DISCONNECT_REQUESTED' });
    expect((await postJson(`${service.url}/send`, SEND)).status).to.equal(409);

    const connected = await request(`${service.url}/connect`, { method: 'POST' });
    expect(connected.status).to.equal(200);
    await service.waitForState('READY');

    expect(await service.stop('SIGTERM')).to.equal(0);
    expect(isAlive(pids[1] as number)).to.equal(false);
  });

  it('restarts a killed worker and comes back READY with the saved login, port up throughout', async () => {
    service = await startService({ env: { FAKE_SCAN_DELAY_MS: '100' } });
    await service.waitForState('READY');
    const [firstWorker] = workerPids(service);
    const poller = pollHealth(service.url);
    process.kill(firstWorker as number, 'SIGKILL');
    await service.waitForLog((line) => line.message === 'Worker exited unexpectedly');
    await service.waitForState('READY');
    const polled = await poller.stop();
    expect(polled.failures).to.deep.equal([]);
    const health = await request(`${service.url}/health`);
    expect(health.body.worker).to.deep.include({ restarts: 1, status: 'RUNNING' });
    expect(await service.stop('SIGINT')).to.equal(0);
  });

  it('deletes the saved login when a logout is asked for after a plain disconnect', async () => {
    service = await startService({ env: { FAKE_SCAN_DELAY_MS: '100' } });
    await service.waitForState('READY');
    expect((await request(`${service.url}/disconnect`, { method: 'POST' })).status).to.equal(200);
    const loggedOut = await postJson(`${service.url}/disconnect`, { logout: true });
    expect(loggedOut.body).to.deep.equal({ ok: true, message: 'WhatsApp session logged out; the saved login was deleted' });
    await request(`${service.url}/connect`, { method: 'POST' });
    await service.waitForState('QR_REQUIRED');
    expect(await service.stop('SIGTERM')).to.equal(0);
  });

  it('reports the worker memory in /health and recycles a worker over MEMORY_LIMIT_MB, keeping the login', async () => {
    service = await startService({ env: { FAKE_SCAN_DELAY_MS: '100', HEARTBEAT_INTERVAL_MS: '200' } });
    await service.waitForState('READY');
    await service.waitForLog((line) => line.message === 'Worker ready for calls');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const health = await request(`${service.url}/health`);
    expect((health.body.worker as { memory_mb: unknown }).memory_mb).to.be.a('number').above(10);
    expect(await service.stop('SIGTERM')).to.equal(0);

    const limited = await startService({ sessionsDir: service.sessionsDir, env: { HEARTBEAT_INTERVAL_MS: '200', MEMORY_LIMIT_MB: '1' } });
    try {
      await limited.waitForLog((line) => line.message === 'The worker uses more memory than allowed; recycling it');
      await limited.waitForLog((line) => line.message === 'Worker replaced');
      await limited.waitForState('READY');
      expect(limited.logs().some((line) => line.message === 'WhatsApp state' && line.state === 'QR_REQUIRED')).to.equal(false);
      expect(await limited.stop('SIGTERM')).to.equal(0);
    } finally {
      await limited.cleanup();
    }
  });

  it('stops cleanly when PM2 signals the whole tree (worker first, then supervisor): exit 0, nothing left', async () => {
    service = await startService({ env: { FAKE_SCAN_DELAY_MS: '100' } });
    await service.waitForState('READY');
    const [worker] = workerPids(service);
    process.kill(worker as number, 'SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await service.stop('SIGINT')).to.equal(0);
    expect(isAlive(worker as number)).to.equal(false);
    expect(service.logs().some((line) => line.level === 'error' && line.component === 'worker')).to.equal(false);
  });

  it('takes the worker down with it when the supervisor is killed outright', async () => {
    service = await startService({ env: { FAKE_SCAN_DELAY_MS: '100' } });
    await service.waitForState('READY');
    const [worker] = workerPids(service);
    expect(await service.stop('SIGKILL')).to.equal('SIGKILL');
    const deadline = Date.now() + 5000;
    while (isAlive(worker as number) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(isAlive(worker as number)).to.equal(false);
  });
});
