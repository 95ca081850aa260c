// Moving a tenant to another host with `npm run session -- export|import` (the real command, the real
// service on the simulated driver): the imported login comes back READY without a QR and keeps its
// Idempotency-Keys and message statuses; the command refuses while the service runs, over an existing login without --force,
// and for another tenant's archive.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { postJson, request } from '../support/http.js';
import { startService, type ServiceProcess } from '../support/service-process.js';

const CLI = fileURLToPath(new URL('../../supervisor/session-cli.js', import.meta.url));
const SEND = { cliente_id: 51, to: '5491122334455', message: 'moved with its keys' };

function session(sessionsDir: string, args: string[], clienteId = '51'): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', CLIENTE_ID: clienteId, SESSIONS_DIR: sessionsDir, WA_DRIVER: 'fake' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function statesLogged(service: ServiceProcess): string[] {
  return service.logs().filter((line) => line.message === 'WhatsApp state').map((line) => String(line.state));
}

describe('npm run session -- export / import (real command, real service, simulated driver)', function () {
  this.timeout(60_000);
  this.bail(true);
  let scratch: string;
  let oldHost: string;
  let newHost: string;
  let archive: string;
  let service: ServiceProcess | undefined;
  let messageId = '';

  before(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'sm-move-'));
    oldHost = path.join(scratch, 'old');
    newHost = path.join(scratch, 'new');
    archive = path.join(scratch, 'tenant-51.tar.gz');
  });

  after(async () => {
    if (service?.child.exitCode === null) await service.stop('SIGTERM');
    await rm(scratch, { recursive: true, force: true });
  });

  it('refuses to export while the service of that tenant runs', async () => {
    service = await startService({ sessionsDir: oldHost, env: { FAKE_SCAN_DELAY_MS: '200' } });
    await service.waitForState('READY');
    const sent = await postJson(`${service.url}/send`, SEND, { 'Idempotency-Key': 'move-1' });
    expect(sent.status).to.equal(200);
    messageId = String(sent.body.message_id);
    const refused = session(oldHost, ['export', archive]);
    expect(refused.status).to.equal(1);
    expect(refused.stderr).to.match(new RegExp(`session-manager for CLIENTE_ID=51 \\(pid ${String(service.child.pid)}\\) is using .*: stop it first`));
    expect(await stat(archive).catch(() => undefined)).to.equal(undefined);
    expect(await service.stop('SIGTERM')).to.equal(0);
  });

  it('exports the stopped tenant into one archive only its owner can read', async () => {
    const done = session(oldHost, ['export', archive]);
    expect(done.stderr).to.equal('');
    expect(done.status).to.equal(0);
    expect(done.stdout).to.contain('It is a credential');
    expect((await stat(archive)).mode & 0o777).to.equal(0o600);
  });

  it('refuses an archive of another tenant', () => {
    const refused = session(newHost, ['import', archive], '52');
    expect(refused.status).to.equal(1);
    expect(refused.stderr).to.contain('holds the login of CLIENTE_ID=51, not 52');
  });

  it('imports into an empty SESSIONS_DIR: READY without a QR, the message status known, a repeated Idempotency-Key not sent again', async () => {
    const done = session(newHost, ['import', archive]);
    expect(done.stderr).to.equal('');
    expect(done.status).to.equal(0);
    service = await startService({ sessionsDir: newHost });
    await service.waitForState('READY');
    expect(statesLogged(service)).not.to.include('QR_REQUIRED');
    const repeat = await postJson(`${service.url}/send`, SEND, { 'Idempotency-Key': 'move-1' });
    expect(repeat.status).to.equal(200);
    expect(repeat.headers.get('idempotent-replayed')).to.equal('true');
    expect(repeat.body.message_id).to.equal(messageId);
    const status = await request(`${service.url}/messages/${encodeURIComponent(messageId)}`);
    expect(status.status).to.equal(200);
    expect(status.body).to.include({ message_id: messageId, to: SEND.to });
    expect(await service.stop('SIGTERM')).to.equal(0);
  });

  it('refuses to replace an existing login without --force, and replaces it with --force', () => {
    const refused = session(newHost, ['import', archive]);
    expect(refused.status).to.equal(1);
    expect(refused.stderr).to.contain('already holds a saved login; pass --force');
    expect(session(newHost, ['import', archive, '--force']).status).to.equal(0);
  });

  it('answers a wrong command line with its usage and exit code 2', () => {
    const wrong = session(newHost, ['export']);
    expect(wrong.status).to.equal(2);
    expect(wrong.stderr).to.contain('usage: npm run session -- export <file> | import <file> [--force]');
  });
});
