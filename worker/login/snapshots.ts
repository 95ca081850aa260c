// Generations of copies of the saved login: each is a folder in the snapshots folder named by the time it
// was taken, written under a temporary name and renamed once whole, so a copy cut short (kill -9, a full
// disk) is never taken for one. Only the login's parts are copied (LoginFiles); the profile itself is
// only ever read here, except by restore.
import { randomBytes } from 'node:crypto';
import { cp, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { LoginFiles } from '../../shared/session-layout.js';

const TEMP_PREFIX = '.tmp-';
const GONE = { recursive: true, force: true, maxRetries: 4 } as const;

export interface Snapshot {
  // The folder's name: the time it was taken (sortable) and why.
  readonly name: string;
  readonly bytes: number;
  readonly files: number;
  readonly ms: number;
}

// Size and modification time of every file below the parts: equal before and after a copy means nothing
// wrote to them meanwhile.
async function fingerprint(files: LoginFiles): Promise<{ signature: string; bytes: number; count: number }> {
  const lines: string[] = [];
  let bytes = 0;
  for (const part of files.parts) {
    const top = path.join(files.root, part);
    const info = await stat(top).catch(() => undefined);
    if (!info) continue;
    const entries = info.isDirectory() ? await readdir(top, { recursive: true, withFileTypes: true }) : [];
    const paths = info.isDirectory() ? entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name)) : [top];
    for (const file of paths.sort()) {
      const fileInfo = await stat(file).catch(() => undefined);
      lines.push(`${path.relative(files.root, file)}\0${fileInfo?.size ?? -1}\0${fileInfo?.mtimeMs ?? -1}`);
      bytes += fileInfo?.size ?? 0;
    }
  }
  return { signature: lines.join('\n'), bytes, count: lines.length };
}

function snapshotName(why: string, now: Date): string {
  return `${now.toISOString().replaceAll(':', '-')}-${why}`;
}

// The snapshots kept, oldest first.
export async function listSnapshots(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isDirectory() && !entry.name.startsWith(TEMP_PREFIX)).map((entry) => entry.name).sort();
}

// Copies the login's parts into a new snapshot and keeps the newest `generations`. Returns undefined when
// the files changed during the copy (something was writing them: the copy is thrown away) or when there is
// no login to copy.
export async function takeSnapshot(files: LoginFiles, dir: string, generations: number, why: string, now = new Date()): Promise<Snapshot | undefined> {
  const startedAt = performance.now();
  await mkdir(dir, { recursive: true });
  await removeTemporaries(dir);
  const before = await fingerprint(files);
  if (before.count === 0) return undefined;
  const temp = path.join(dir, `${TEMP_PREFIX}${randomBytes(6).toString('hex')}`);
  try {
    for (const part of files.parts) {
      const source = path.join(files.root, part);
      if (await stat(source).catch(() => undefined)) await cp(source, path.join(temp, part), { recursive: true, preserveTimestamps: true });
    }
    if ((await fingerprint(files)).signature !== before.signature) {
      await rm(temp, GONE);
      return undefined;
    }
    const name = snapshotName(why, now);
    await rename(temp, path.join(dir, name));
    await prune(dir, generations);
    return { name, bytes: before.bytes, files: before.count, ms: Math.round(performance.now() - startedAt) };
  } catch (error) {
    await rm(temp, GONE);
    // A part deleted while it was copied (Chromium compacting its storage) is a copy to try again later.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

// Puts a snapshot's parts back in place of the login's (no client may be running on it). Each part is
// copied next to its place first and then swapped in, so a part is either the old one or the whole copy.
export async function restoreSnapshot(files: LoginFiles, dir: string, name: string): Promise<void> {
  for (const part of files.parts) {
    const target = path.join(files.root, part);
    const source = path.join(dir, name, part);
    const staged = `${target}${TEMP_PREFIX}restore`;
    await rm(staged, GONE);
    const present = await stat(source).catch(() => undefined);
    if (present) {
      await mkdir(path.dirname(target), { recursive: true });
      await cp(source, staged, { recursive: true, preserveTimestamps: true });
    }
    await rm(target, GONE);
    if (present) await rename(staged, target);
  }
}

async function prune(dir: string, generations: number): Promise<void> {
  const names = await listSnapshots(dir);
  for (const name of names.slice(0, Math.max(0, names.length - generations))) await rm(path.join(dir, name), GONE);
}

// Copies cut short by a crash.
async function removeTemporaries(dir: string): Promise<void> {
  const entries = await readdir(dir).catch(() => []);
  for (const name of entries.filter((entry) => entry.startsWith(TEMP_PREFIX))) await rm(path.join(dir, name), GONE);
}
