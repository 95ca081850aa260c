// The tenant's folder must be usable before anything starts: SESSIONS_DIR and cliente_<id> exist (they
// are created), are folders, and take a new file. Otherwise start-up stops with one line that names
// SESSIONS_DIR and says why.
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

export class StorageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StorageError';
  }
}

function why(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  const plain: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    ENOTDIR: 'a part of the path is a file',
  };
  return code && plain[code] ? `${plain[code]} (${code})` : message;
}

export async function prepareTenantDir(sessionsDir: string, dir: string): Promise<void> {
  const unusable = (reason: string): StorageError => new StorageError(`SESSIONS_DIR=${sessionsDir} cannot be used: ${reason}`);
  const existing = await stat(sessionsDir).catch(() => undefined);
  if (existing && !existing.isDirectory()) throw unusable('it is not a directory');
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw unusable(`cannot create ${dir}: ${why(error)}`);
  }
  const probe = path.join(dir, `.write-test-${process.pid}`);
  try {
    await writeFile(probe, '');
  } catch (error) {
    throw unusable(`cannot write in ${dir}: ${why(error)}`);
  } finally {
    await rm(probe, { force: true });
  }
}
