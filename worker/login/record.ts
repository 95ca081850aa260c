// What the worker knows of the saved login across runs, in login-record.json: since when it is known to
// work (READY since the last logout: a QR offered now means the login was damaged, not unlinked), and the
// last restore from a snapshot. A logout deletes the file (shared/session-layout.ts forgetLogin).
import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { isRecord } from '../../shared/guards.js';

export interface LastRestore {
  readonly at: string;
  readonly snapshot: string;
}

export interface LoginRecord {
  // When this login was last READY; undefined once it was found refused (a restore ended in a QR too).
  readonly readyAt?: string | undefined;
  readonly lastRestore?: LastRestore | undefined;
}

function isLastRestore(value: unknown): value is LastRestore {
  return isRecord(value) && typeof value.at === 'string' && typeof value.snapshot === 'string';
}

// An unreadable or missing record is no record: the login is not known to have worked.
export async function readLoginRecord(file: string): Promise<LoginRecord> {
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (!isRecord(parsed)) return {};
    return {
      readyAt: typeof parsed.readyAt === 'string' ? parsed.readyAt : undefined,
      lastRestore: isLastRestore(parsed.lastRestore) ? parsed.lastRestore : undefined,
    };
  } catch {
    return {};
  }
}

// Written whole under a temporary name, then renamed: a crash leaves the old record or the new one.
export async function writeLoginRecord(file: string, record: LoginRecord): Promise<void> {
  const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, `${JSON.stringify(record)}\n`);
  await rename(temp, file);
}
