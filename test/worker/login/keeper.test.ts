// The keeper of the saved login: what it records, when it copies, and when it restores (once per run,
// never after a logout).
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { forgetLogin, loginFiles, sessionLayout, type SessionLayout } from '../../../shared/session-layout.js';
import { LoginKeeper } from '../../../worker/login/keeper.js';
import { listSnapshots } from '../../../worker/login/snapshots.js';
import { captureLogger } from '../../support/logger.js';


describe('LoginKeeper', () => {
  let sessionsDir: string;
  let layout: SessionLayout;
  const keepers: LoginKeeper[] = [];

  function keeper(generations = 3) {
    const restores: { at: string; snapshot: string }[] = [];
    const log = captureLogger();
    const made = new LoginKeeper({
      layout,
      files: loginFiles(layout, 'fake'),
      generations,
      logger: log.logger,
      onRestore: (restore) => restores.push(restore),
      settleMs: 10,
      tries: 3,
    });
    keepers.push(made);
    return { keeper: made, restores, log };
  }

  const login = (): Promise<string> => readFile(layout.fakeLogin, 'utf8');

  beforeEach(async () => {
    sessionsDir = await mkdtemp(path.join(os.tmpdir(), 'sm-keeper-'));
    layout = sessionLayout({ sessionsDir, clienteId: 51 });
    await mkdir(layout.dir, { recursive: true });
    await writeFile(layout.fakeLogin, '{"phone":"1"}');
  });

  afterEach(async () => {
    for (const made of keepers.splice(0)) await made.close();
    await rm(sessionsDir, { recursive: true, force: true });
  });

  it('offers nothing to restore for a login never seen READY', async () => {
    const { keeper: first } = keeper();
    await first.load();
    expect(await first.snapshotToRestore()).to.equal(undefined);
  });

  it('records READY, copies the login once settled, and the next run restores it in place of a QR', async () => {
    const { keeper: first } = keeper();
    await first.load();
    first.onReady();
    const deadline = Date.now() + 5000;
    while ((await listSnapshots(layout.loginSnapshots)).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await listSnapshots(layout.loginSnapshots)).to.have.length(1);
    await first.close();

    await writeFile(layout.fakeLogin, 'damaged');
    const { keeper: next, restores } = keeper();
    await next.load();
    const snapshot = await next.snapshotToRestore();
    expect(snapshot).to.match(/-ready$/);
    await next.restore(snapshot as string);
    expect(await login()).to.equal('{"phone":"1"}');
    expect(restores.map((restore) => restore.snapshot)).to.deep.equal([snapshot]);

    // A later run learns of that restore at load.
    await next.close();
    const { keeper: later, restores: told } = keeper();
    await later.load();
    expect(told).to.deep.equal(restores);
  });

  it('restores at most once per run: a QR after the restore means the login was refused, also for later runs', async () => {
    const { keeper: first } = keeper();
    await first.load();
    first.onReady();
    await first.onClosed(true, true);
    const { keeper: next, log } = keeper();
    await next.load();
    await next.restore((await next.snapshotToRestore()) as string);
    expect(await next.snapshotToRestore()).to.equal(undefined);
    expect(log.lines().map((line) => line.message)).to.include('The restored login was refused too: the phone unlinked this device, a new QR is needed');
    await next.close();
    const { keeper: later } = keeper();
    await later.load();
    expect(await later.snapshotToRestore()).to.equal(undefined);
  });

  it('copies at a polite close of a READY client only', async () => {
    const { keeper: first } = keeper();
    await first.load();
    first.onReady();
    await first.onClosed(false, true);
    await first.onClosed(true, false);
    expect(await listSnapshots(layout.loginSnapshots)).to.deep.equal([]);
    await first.onClosed(true, true);
    expect((await listSnapshots(layout.loginSnapshots)).map((name) => name.replace(/^.*-/, ''))).to.deep.equal(['close']);
  });

  it('restores nothing after a logout, which deletes the copies with the login', async () => {
    const { keeper: first } = keeper();
    await first.load();
    first.onReady();
    await first.onClosed(true, true);
    first.onLogout();
    await first.close();
    await forgetLogin(layout, 'fake');
    expect(await listSnapshots(layout.loginSnapshots)).to.deep.equal([]);
    const { keeper: next } = keeper();
    await next.load();
    expect(await next.snapshotToRestore()).to.equal(undefined);
  });

  it('keeps no copies and restores nothing with LOGIN_SNAPSHOTS=0', async () => {
    const { keeper: first } = keeper(0);
    await first.load();
    first.onReady();
    await first.onClosed(true, true);
    expect(await listSnapshots(layout.loginSnapshots)).to.deep.equal([]);
    expect(await first.snapshotToRestore()).to.equal(undefined);
  });
});
