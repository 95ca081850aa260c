// Chromium marks a profile as in use with SingletonLock/SingletonSocket/SingletonCookie; after a crash
// they stay behind and the next launch fails with "The profile appears to be in use". Before a launch:
// a live Chromium of ours on this profile (an orphan) is ended, found by the lock or, as the headless shell
// takes no lock, by its --user-data-dir; a stale lock is removed. If such a Chromium cannot be ended, the
// launch fails and the lock stays: two browsers on one profile would corrupt the saved login.
import { readlinkSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeError, type Logger } from '../../../shared/logger.js';
import { browsersOnProfile, commandLineIncludes, isAlive, killBrowserTree, type KillResult } from '../../../shared/process-tree.js';
import { BROWSER_KILL_GRACE_MS } from '../../../shared/timings.js';

const LOCK_FILES = ['SingletonLock', 'SingletonSocket', 'SingletonCookie'] as const;

// SingletonLock is a symlink to "<hostname>-<pid>".
function lockOwner(profile: string): { host: string; pid: number } | undefined {
  try {
    const target = readlinkSync(path.join(profile, 'SingletonLock'));
    const cut = target.lastIndexOf('-');
    const pid = Number(target.slice(cut + 1));
    return cut > 0 && Number.isSafeInteger(pid) && pid > 0 ? { host: target.slice(0, cut), pid } : undefined;
  } catch {
    // No lock (ENOENT) or not a symlink (EINVAL): nobody to end; whatever is there is removed below.
    return undefined;
  }
}

// How the leftover browser tree is ended; tests pass a shorter grace period, or a kill that fails.
export type EndBrowser = (pid: number, profile: string) => Promise<KillResult>;

const endBrowser: EndBrowser = (pid, profile) => killBrowserTree(pid, profile, BROWSER_KILL_GRACE_MS);

// Throws, leaving the lock, when a Chromium holding the profile survives being killed.
export async function releaseProfile(profile: string, logger: Logger, end: EndBrowser = endBrowser): Promise<void> {
  const owner = lockOwner(profile);
  const lockHolder = owner && owner.host === os.hostname() && isAlive(owner.pid) && commandLineIncludes(owner.pid, profile) ? [owner.pid] : [];
  for (const pid of new Set([...lockHolder, ...browsersOnProfile(profile)])) {
    logger.warn('A leftover Chromium still holds the profile; ending it', { browser_pid: pid, profile });
    const result = await end(pid, profile);
    if (!result.gone) {
      throw new Error(
        `The Chromium (pid ${pid}) holding the profile ${profile} survived SIGKILL; its lock is kept so no second browser starts on the same profile`,
      );
    }
  }
  const removed: string[] = [];
  for (const name of LOCK_FILES) {
    try {
      rmSync(path.join(profile, name), { force: false });
      removed.push(name);
    } catch (error) {
      // Not there is the usual case. Anything else leaves the lock in place, and Chromium will refuse
      // the profile: say why here, where the cause is known.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      logger.error('Could not remove a Chromium profile lock; Chromium may refuse to start on this profile', {
        profile,
        file: name,
        ...describeError(error),
      });
    }
  }
  if (removed.length > 0) logger.info('Removed a stale Chromium profile lock', { profile, files: removed });
}
