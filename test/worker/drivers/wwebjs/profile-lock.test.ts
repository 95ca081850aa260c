// releaseProfile against SingletonLock/SingletonSocket/SingletonCookie as Chromium makes them: symlinks left
// by a real Chromium, and hand-made ones in the same form ("<hostname>-<pid>") for the cases a real browser
// cannot stage.
import type { ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { isAlive, killBrowserTree } from '../../../../shared/process-tree.js';
import { chromiumArgs } from '../../../../worker/drivers/wwebjs/chromium.js';
import { releaseProfile } from '../../../../worker/drivers/wwebjs/profile-lock.js';
import { chromiumProcessesFor } from '../../../support/chromium-processes.js';
import { captureLogger, type CapturedLogger } from '../../../support/logger.js';
import { pollUntil, ProcessFixtures } from '../../../support/process-fixtures.js';
import { rejectionOf } from '../../../support/promises.js';
import { requireChromium } from '../../../support/require-chromium.js';

// The full browser takes the lock; the headless shell (the service's first choice) takes none.
const FULL_CHROMIUM = '/usr/bin/chromium';
const HEADLESS_SHELL = '/usr/lib/chromium/chromium-headless-shell';

const LOCK_FILES = ['SingletonLock', 'SingletonSocket', 'SingletonCookie'];

describe('wwebjs/profile-lock', function () {
  this.timeout(30_000);
  const fixtures = new ProcessFixtures();
  let profile: string;
  let log: CapturedLogger;
  // Folders Chromium made for its SingletonSocket (it removes them itself only on a clean exit).
  const socketDirs: string[] = [];

  beforeEach(async function () {
    profile = await mkdtemp(path.join(os.tmpdir(), 'profile-lock-'));
    log = captureLogger();
  });

  afterEach(async function () {
    await fixtures.killAll();
    await Promise.all([profile, ...socketDirs.splice(0)].map((dir) => rm(dir, { recursive: true, force: true })));
  });

  const lockFilesLeft = (): string[] => LOCK_FILES.filter((name) => lstatExists(path.join(profile, name)));
  const messages = (): unknown[] => log.lines().map((line) => line.message);
  // A kill with a short grace period, so the tests do not wait Chromium's full 5 s.
  const quickKill = (pid: number, dir: string) => killBrowserTree(pid, dir, 2000);

  // The three files as Chromium writes them, its lock naming `host` and `pid`.
  async function handMadeLock(host: string, pid: number): Promise<void> {
    await symlink(`${host}-${pid}`, path.join(profile, 'SingletonLock'));
    await symlink(path.join(os.tmpdir(), 'org.chromium.Chromium.test', 'SingletonSocket'), path.join(profile, 'SingletonSocket'));
    await symlink('15288396410862712953', path.join(profile, 'SingletonCookie'));
  }

  function startBrowser(executable: string): ChildProcess {
    return fixtures.run(executable, ['--headless', ...chromiumArgs([]), `--user-data-dir=${profile}`, 'about:blank']);
  }

  // A real headless Chromium on the profile, once it holds the lock.
  async function chromiumOnProfile(): Promise<number> {
    requireChromium();
    const browser = startBrowser(existsSync(FULL_CHROMIUM) ? FULL_CHROMIUM : requireChromium());
    const pid = browser.pid as number;
    const lock = await pollUntil(() => readLock(), (target) => target === `${os.hostname()}-${pid}`, 15_000);
    expect(lock, 'Chromium did not take the profile lock').to.equal(`${os.hostname()}-${pid}`);
    // Chromium makes the lock first and its socket a moment later.
    const socket = await pollUntil(() => readLink('SingletonSocket'), (target) => target !== undefined, 15_000);
    expect(socket, 'Chromium did not make its SingletonSocket').to.be.a('string');
    socketDirs.push(path.dirname(socket as string));
    return pid;
  }

  const readLock = (): string | undefined => readLink('SingletonLock');

  function readLink(name: string): string | undefined {
    try {
      return readlinkSync(path.join(profile, name));
    } catch {
      return undefined;
    }
  }

  it('does nothing and logs nothing when the profile has no lock', async function () {
    await releaseProfile(profile, log.logger);
    expect(log.lines()).to.deep.equal([]);
  });

  it('removes the lock a killed Chromium left behind, so the next one can start', async function () {
    const pid = await chromiumOnProfile();
    process.kill(pid, 'SIGKILL');
    await pollUntil(() => isAlive(pid), (alive) => !alive);
    expect(lockFilesLeft()).to.deep.equal(LOCK_FILES);
    await releaseProfile(profile, log.logger, quickKill);
    expect(lockFilesLeft()).to.deep.equal([]);
    // SIGKILL to the browser alone leaves its helpers running on the profile: they are ended too.
    expect(chromiumProcessesFor(profile).filter((found) => isAlive(found.pid))).to.deep.equal([]);
    expect(log.lines().at(-1)).to.include({ message: 'Removed a stale Chromium profile lock' });
    expect(log.lines().at(-1)?.files).to.deep.equal(LOCK_FILES);
    await chromiumOnProfile();
  });

  it('ends a Chromium of ours that still holds the profile (an orphan), then the profile is free', async function () {
    const pid = await chromiumOnProfile();
    await releaseProfile(profile, log.logger, quickKill);
    expect(isAlive(pid)).to.equal(false);
    expect(chromiumProcessesFor(profile).filter((found) => isAlive(found.pid))).to.deep.equal([]);
    expect(lockFilesLeft()).to.deep.equal([]);
    expect(log.lines()[0]).to.include({ level: 'warn', message: 'A leftover Chromium still holds the profile; ending it', browser_pid: pid });
  });

  it('ends a chromium-headless-shell on the profile, which takes no lock, found by its --user-data-dir', async function () {
    if (!existsSync(HEADLESS_SHELL)) this.skip();
    const browser = startBrowser(HEADLESS_SHELL);
    const pid = browser.pid as number;
    // Up once it has written its profile; no lock to find it by.
    const up = await pollUntil(() => existsSync(path.join(profile, 'Default')), (made) => made, 15_000);
    expect(up, 'chromium-headless-shell did not open the profile').to.equal(true);
    expect(lockFilesLeft()).to.deep.equal([]);
    await releaseProfile(profile, log.logger, quickKill);
    expect(isAlive(pid)).to.equal(false);
    expect(chromiumProcessesFor(profile).filter((found) => isAlive(found.pid))).to.deep.equal([]);
    expect(log.lines().map((line) => [line.message, line.browser_pid])).to.deep.equal([['A leftover Chromium still holds the profile; ending it', pid]]);
  });

  it('leaves alone a live process the lock names whose command line is not about this profile (a reused pid)', async function () {
    const stranger = fixtures.start('sleep 30; :', '/tmp/another-profile');
    await handMadeLock(os.hostname(), stranger.pid as number);
    await releaseProfile(profile, log.logger, quickKill);
    expect(isAlive(stranger.pid as number)).to.equal(true);
    expect(lockFilesLeft()).to.deep.equal([]);
    expect(messages()).to.deep.equal(['Removed a stale Chromium profile lock']);
  });

  it("never signals a pid from another host's lock: the lock is stale here and removed", async function () {
    const namesProfile = fixtures.start('sleep 30; :', profile);
    await handMadeLock('another-host', namesProfile.pid as number);
    await releaseProfile(profile, log.logger, quickKill);
    expect(isAlive(namesProfile.pid as number)).to.equal(true);
    expect(lockFilesLeft()).to.deep.equal([]);
  });

  it('keeps the lock and fails when the Chromium holding the profile cannot be ended', async function () {
    const holder = fixtures.start('sleep 30; :', profile);
    const pid = holder.pid as number;
    await handMadeLock(os.hostname(), pid);
    const error = await rejectionOf(releaseProfile(profile, log.logger, async () => ({ signalled: [pid], forced: true, gone: false })));
    expect(error).to.be.instanceOf(Error);
    expect((error as Error).message).to.contain(`pid ${pid}`).and.to.contain(profile).and.to.contain('lock is kept');
    expect(lockFilesLeft()).to.deep.equal(LOCK_FILES);
    expect(readLock()).to.equal(`${os.hostname()}-${pid}`);
  });

  it('logs a lock file it cannot remove, with the cause, and still removes the others', async function () {
    await symlink(`${os.hostname()}-999999999`, path.join(profile, 'SingletonLock'));
    await mkdir(path.join(profile, 'SingletonCookie'));
    await releaseProfile(profile, log.logger, quickKill);
    expect(lockFilesLeft()).to.deep.equal(['SingletonCookie']);
    const failed = log.lines().filter((line) => line.level === 'error');
    expect(failed.map((line) => [line.file, line.error_code])).to.deep.equal([['SingletonCookie', 'ERR_FS_EISDIR']]);
    expect(log.lines().find((line) => line.level === 'info')?.files).to.deep.equal(['SingletonLock']);
  });
});

// lstat, not existsSync: a lock is a symlink to a name that is not a file, which existsSync calls missing.
function lstatExists(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}
