// One process at a time works on a tenant's folder: the service while it runs, `npm run session` while it
// exports or imports. The lock is a file naming its holder by pid and start time, created exclusively;
// a holder that is gone (crash, kill -9, reboot) leaves a stale file, which the next one replaces.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { isRecord } from './guards.js';
import { isAlive, startTimeOf } from './process-tree.js';

export class TenantBusyError extends Error {
  constructor(
    readonly pid: number,
    readonly holder: string,
  ) {
    super(`${holder} (pid ${pid}) is using this tenant's folder`);
    this.name = 'TenantBusyError';
  }
}

interface Holder {
  pid: number;
  started: string | null;
  what: string;
}

async function readHolder(file: string): Promise<Holder | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (!isRecord(parsed) || typeof parsed.pid !== 'number') return undefined;
    return { pid: parsed.pid, started: typeof parsed.started === 'string' ? parsed.started : null, what: String(parsed.what ?? 'a process') };
  } catch {
    return undefined;
  }
}

function running(holder: Holder): boolean {
  return isAlive(holder.pid) && (holder.started === null || startTimeOf(holder.pid) === holder.started);
}

// The live holder of the lock, if any.
export async function lockHolder(file: string): Promise<Holder | undefined> {
  const holder = await readHolder(file);
  return holder && running(holder) ? holder : undefined;
}

async function createExclusive(file: string, text: string): Promise<boolean> {
  try {
    await writeFile(file, text, { flag: 'wx', mode: 0o600 });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

// Takes the lock for this process (`what` names it for the one who is refused); resolves with its release.
export async function lockTenant(file: string, what: string): Promise<() => Promise<void>> {
  const mine: Holder = { pid: process.pid, started: startTimeOf(process.pid) ?? null, what };
  const text = JSON.stringify(mine);
  for (let attempt = 0; !(await createExclusive(file, text)); attempt += 1) {
    const holder = await lockHolder(file);
    if (holder) throw new TenantBusyError(holder.pid, holder.what);
    // A stale lock is replaced once; losing that race to another process means it holds the lock now.
    if (attempt > 0) throw new TenantBusyError(-1, 'another process');
    await rm(file, { force: true });
  }
  return async () => {
    const holder = await readHolder(file);
    if (holder?.pid === mine.pid && holder.started === mine.started) await rm(file, { force: true });
  };
}
