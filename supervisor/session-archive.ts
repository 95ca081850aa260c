// Moves a tenant between hosts: one .tar.gz with its saved login (the parts a snapshot keeps), its
// remembered Idempotency-Keys and message statuses, and a manifest naming the tenant and driver. The
// archive is a credential (whoever holds it is logged in as the phone): written with mode 0600.
// Both ends hold the tenant lock, so the service cannot start on a half-moved folder.
import { randomBytes } from 'node:crypto';
import { chmod, cp, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tar from 'tar';
import type { Config } from '../shared/config.js';
import { isRecord } from '../shared/guards.js';
import { forgetLogin, loginFiles, sessionLayout, type SessionLayout } from '../shared/session-layout.js';
import { prepareTenantDir } from '../shared/tenant-dir.js';
import { lockTenant, TenantBusyError } from '../shared/tenant-lock.js';

const FORMAT = 'session-manager-session';
const VERSION = 1;
const MANIFEST = 'manifest.json';
const GONE = { recursive: true, force: true, maxRetries: 4 } as const;

// Refused or failed: the message says which and what to do; nothing was changed.
export class ArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArchiveError';
  }
}

interface Manifest {
  format: typeof FORMAT;
  version: number;
  cliente_id: number;
  driver: string;
  exported_at: string;
}

// The tenant's files an archive carries besides the login, by their name in the tenant folder: the
// remembered Idempotency-Keys (so a repeat is not sent again from the new host), the message statuses
// (GET /messages/:id, and later acks still find their message), the webhook events not delivered yet
// (delivered from the new host: at least once, the receiver dedupes by id) and the login record.
function dataFiles(layout: SessionLayout): string[] {
  return [layout.idempotencyFile, layout.messageStatusFile, layout.webhookOutbox, layout.loginRecord];
}

async function exists(file: string): Promise<boolean> {
  return (await stat(file).catch(() => undefined)) !== undefined;
}

// Runs `work` holding the tenant's lock: refused while its service runs.
async function withTenantLock<T>(config: Config, work: (layout: SessionLayout) => Promise<T>): Promise<T> {
  const layout = sessionLayout(config);
  await prepareTenantDir(config.sessionsDir, layout.dir);
  let release: () => Promise<void>;
  try {
    release = await lockTenant(layout.lockFile, `npm run session for CLIENTE_ID=${config.clienteId}`);
  } catch (error) {
    if (error instanceof TenantBusyError) {
      throw new ArchiveError(`${error.holder} (pid ${error.pid}) is using ${layout.dir}: stop it first (the saved login must not be copied while it is in use)`);
    }
    throw error;
  }
  try {
    return await work(layout);
  } finally {
    await release();
  }
}

// A scratch folder inside the tenant's, so a move stays on one file system and nothing leaves it.
async function scratch<T>(layout: SessionLayout, name: string, work: (dir: string) => Promise<T>): Promise<T> {
  const dir = path.join(layout.dir, `.${name}-${randomBytes(4).toString('hex')}`);
  await mkdir(dir, { mode: 0o700 });
  try {
    return await work(dir);
  } finally {
    await rm(dir, GONE);
  }
}

export async function exportSession(config: Config, file: string): Promise<{ bytes: number }> {
  return withTenantLock(config, (layout) =>
    scratch(layout, 'export', async (stage) => {
      const login = loginFiles(layout, config.driver);
      let parts = 0;
      for (const part of login.parts) {
        const source = path.join(login.root, part);
        if (!(await exists(source))) continue;
        await cp(source, path.join(stage, 'login', part), { recursive: true, preserveTimestamps: true });
        parts += 1;
      }
      if (parts === 0) throw new ArchiveError(`There is no saved login in ${layout.dir} to export (link the phone first)`);
      for (const data of dataFiles(layout)) {
        if (await exists(data)) await cp(data, path.join(stage, 'data', path.basename(data)));
      }
      const manifest: Manifest = { format: FORMAT, version: VERSION, cliente_id: config.clienteId, driver: config.driver, exported_at: new Date().toISOString() };
      await writeFile(path.join(stage, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
      // Created empty with 0600 first: the archive is never readable by others, not even while written.
      const partial = `${file}.partial`;
      await writeFile(partial, '', { mode: 0o600 });
      await chmod(partial, 0o600);
      await tar.c({ gzip: true, file: partial, cwd: stage, portable: true }, await readdir(stage));
      await rename(partial, file);
      return { bytes: (await stat(file)).size };
    }),
  );
}

function parseManifest(text: string): Manifest | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (!isRecord(parsed) || parsed.format !== FORMAT || typeof parsed.cliente_id !== 'number' || typeof parsed.driver !== 'string') return undefined;
    return parsed as unknown as Manifest;
  } catch {
    return undefined;
  }
}

export async function importSession(config: Config, file: string, options: { force: boolean }): Promise<void> {
  if (!(await exists(file))) throw new ArchiveError(`No archive at ${file}`);
  await withTenantLock(config, (layout) =>
    scratch(layout, 'import', async (stage) => {
      // Files and folders only: a link in an archive could point the profile anywhere.
      const plain = (_path: string, entry: unknown): boolean => ['File', 'Directory'].includes(String((entry as { type?: unknown }).type));
      await tar.x({ file, cwd: stage, strict: true, filter: plain }).catch((error: unknown) => {
        throw new ArchiveError(`${file} is not a session archive: ${error instanceof Error ? error.message : String(error)}`);
      });
      const manifest = parseManifest(await readFile(path.join(stage, MANIFEST), 'utf8').catch(() => ''));
      if (!manifest) throw new ArchiveError(`${file} is not a session archive (no valid ${MANIFEST})`);
      if (manifest.version > VERSION) throw new ArchiveError(`${file} was written by a newer session-manager (format ${manifest.version}); upgrade this one first`);
      if (manifest.cliente_id !== config.clienteId) {
        throw new ArchiveError(`${file} holds the login of CLIENTE_ID=${manifest.cliente_id}, not ${config.clienteId}`);
      }
      if (manifest.driver !== config.driver) throw new ArchiveError(`${file} holds a ${manifest.driver} login; this service runs WA_DRIVER=${config.driver}`);
      const login = loginFiles(layout, config.driver);
      const present = await Promise.all(login.parts.map((part) => exists(path.join(login.root, part))));
      if (present.some(Boolean) && !options.force) {
        throw new ArchiveError(`${layout.dir} already holds a saved login; pass --force to replace it (it is deleted, with its snapshots)`);
      }
      // The old login goes with its snapshots and record: none of them may come back over the imported one.
      await forgetLogin(layout, config.driver);
      for (const part of login.parts) {
        const source = path.join(stage, 'login', part);
        if (!(await exists(source))) continue;
        await mkdir(path.dirname(path.join(login.root, part)), { recursive: true });
        await rename(source, path.join(login.root, part));
      }
      for (const data of dataFiles(layout)) {
        const source = path.join(stage, 'data', path.basename(data));
        if (await exists(source)) await rename(source, data);
        else await rm(data, { force: true });
      }
    }),
  );
}
