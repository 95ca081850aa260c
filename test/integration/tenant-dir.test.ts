// The tenant's folder before anything starts: a SESSIONS_DIR that cannot be used stops start-up with one
// line naming it and exit code 1; a second service for the same tenant is refused while the first runs; a
// lock left by a service that died does not stand in the way.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { sessionLayout } from '../../shared/session-layout.js';
import { SUPERVISOR_ENTRY, startService, type ServiceProcess } from '../support/service-process.js';

function runWith(sessionsDir: string): { status: number | null; stderr: string; stdout: string } {
  const result = spawnSync(process.execPath, [SUPERVISOR_ENTRY], {
    env: { PATH: process.env.PATH ?? '', WA_DRIVER: 'fake', PORT: '0', CLIENTE_ID: '51', SESSIONS_DIR: sessionsDir },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stderr: result.stderr, stdout: result.stdout };
}

function expectRefused(result: ReturnType<typeof runWith>, pattern: RegExp): void {
  expect(result.status).to.equal(1);
  expect(result.stderr.trim().split('\n')).to.have.length(1);
  expect(result.stderr).to.match(pattern);
  expect(result.stdout).not.to.contain('Listening');
  expect(result.stdout).not.to.contain('Worker');
}

describe('the tenant folder at start-up (real supervisor)', function () {
  this.timeout(60_000);
  let scratch: string;
  let service: ServiceProcess | undefined;

  beforeEach(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'sm-tenant-dir-'));
  });

  afterEach(async () => {
    if (service?.child.exitCode === null) await service.stop('SIGTERM');
    service = undefined;
    await rm(scratch, { recursive: true, force: true });
  });

  it('exits 1 with one line naming SESSIONS_DIR when it is a file', async () => {
    const file = path.join(scratch, 'sessions');
    await writeFile(file, 'not a folder');
    expectRefused(runWith(file), /^SESSIONS_DIR=.*sessions cannot be used: it is not a directory$/m);
  });

  it('exits 1 with one line naming SESSIONS_DIR when nothing can be written in it', async () => {
    // Root writes through permission bits; a file system that takes no new files stops it too.
    const readOnly = process.getuid?.() === 0 ? '/sys' : path.join(scratch, 'read-only');
    if (readOnly !== '/sys') await mkdir(readOnly, { mode: 0o500 });
    expectRefused(runWith(readOnly), /^SESSIONS_DIR=.* cannot be used: cannot (create|write in) .*cliente_51: /m);
  });

  it('refuses a second service for the same tenant while the first runs, and starts once it stopped', async () => {
    service = await startService({ sessionsDir: scratch });
    await service.waitForState('QR_REQUIRED');
    const second = runWith(scratch);
    expectRefused(second, new RegExp(`^Another session-manager \\(pid ${String(service.child.pid)}\\) is already running for CLIENTE_ID=51 in `, 'm'));
    expect(await service.stop('SIGTERM')).to.equal(0);
    service = await startService({ sessionsDir: scratch });
    await service.waitForState('QR_REQUIRED');
  });

  it('takes over a lock left by a service that died', async () => {
    const { dir, lockFile } = sessionLayout({ sessionsDir: scratch, clienteId: 51 });
    await mkdir(dir, { recursive: true });
    // A pid that is not running any more (or never was): the lock file of a crash.
    await writeFile(lockFile, JSON.stringify({ pid: 2 ** 22 + 17, started: '1', what: 'session-manager for CLIENTE_ID=51' }));
    service = await startService({ sessionsDir: scratch });
    await service.waitForState('QR_REQUIRED');
  });
});
