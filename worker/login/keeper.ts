// Keeps copies of the saved login and brings the newest back when WhatsApp Web asks for a QR although this
// tenant's login worked and was never logged out (a damaged profile: power cut, full disk). The worker's
// session tells it what happens (ready, a QR, a client closed, a logout); it owns its timer and files.
import { mkdir } from 'node:fs/promises';
import { describeError, type Logger } from '../../shared/logger.js';
import type { LoginFiles, SessionLayout } from '../../shared/session-layout.js';
import { readLoginRecord, writeLoginRecord, type LastRestore, type LoginRecord } from './record.js';
import { listSnapshots, restoreSnapshot, takeSnapshot } from './snapshots.js';

export interface LoginKeeperOptions {
  layout: SessionLayout;
  files: LoginFiles;
  // LOGIN_SNAPSHOTS: generations kept; 0 turns snapshots (and restores) off.
  generations: number;
  logger: Logger;
  // A restore happened (also one recorded by an earlier run, told once at load).
  onRestore: (restore: LastRestore) => void;
  // After READY, the first copy is tried this long later, then again every settleMs while the files keep
  // changing (the browser is writing them), up to `tries` times.
  settleMs?: number;
  tries?: number;
}

// WhatsApp Web writes its storage in bursts right after it connects; a copy waits for a quiet moment.
const SETTLE_MS = 3000;
const TRIES = 20;

export class LoginKeeper {
  readonly #options: LoginKeeperOptions;
  #record: LoginRecord = {};
  #restoredThisRun = false;
  #timer: NodeJS.Timeout | undefined;
  // Record writes, copies and restores, one after the other.
  #work: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(options: LoginKeeperOptions) {
    this.#options = options;
  }

  get #enabled(): boolean {
    return this.#options.generations > 0;
  }

  async load(): Promise<void> {
    this.#record = await readLoginRecord(this.#options.layout.loginRecord);
    if (this.#record.lastRestore) this.#options.onRestore(this.#record.lastRestore);
  }

  // The client is READY: the login works. Recorded now, copied once the browser has settled.
  onReady(): void {
    this.#update({ readyAt: new Date().toISOString() });
    if (this.#enabled) this.#schedule(this.#options.tries ?? TRIES);
  }

  // A client offers a QR. Returns the snapshot to restore before showing it, when this login worked and was
  // never logged out; at most once per run: a QR after that restore means WhatsApp refused the login.
  async snapshotToRestore(): Promise<string | undefined> {
    if (!this.#enabled || this.#record.readyAt === undefined) return undefined;
    if (this.#restoredThisRun) {
      this.#options.logger.warn('The restored login was refused too: the phone unlinked this device, a new QR is needed');
      this.#update({ readyAt: undefined });
      return undefined;
    }
    const newest = (await listSnapshots(this.#options.layout.loginSnapshots)).at(-1);
    if (newest === undefined) this.#options.logger.warn('The saved login was not accepted and there is no snapshot of it to restore');
    return newest;
  }

  // A client offered a QR for a login that worked: closes it, puts the snapshot back; the caller then starts
  // a new client. A restore that fails is logged: the new client then offers its QR.
  async restoreInsteadOfQr(name: string, closeClient: () => Promise<unknown>): Promise<void> {
    this.#options.logger.warn('WhatsApp Web asks for a QR although this login worked and was never logged out: restoring its newest snapshot', { snapshot: name });
    try {
      await closeClient();
      await this.restore(name);
    } catch (error) {
      this.#options.logger.error('Restoring the saved login failed; starting without it', describeError(error));
    }
  }

  // Puts the snapshot back (its client must be closed); remembered as the last restore.
  async restore(name: string): Promise<void> {
    this.#restoredThisRun = true;
    this.#cancel();
    await this.#enqueue(async () => {
      await restoreSnapshot(this.#options.files, this.#options.layout.loginSnapshots, name);
      this.#options.logger.warn('Restored the saved login from a snapshot', { snapshot: name });
    });
    const lastRestore = { at: new Date().toISOString(), snapshot: name };
    this.#update({ lastRestore });
    this.#options.onRestore(lastRestore);
  }

  // A client closed. After a polite close of a client that was READY the files are whole and still: copy
  // them now, before the next client (of this worker or the next) opens the profile.
  async onClosed(polite: boolean, wasReady: boolean): Promise<void> {
    this.#cancel();
    if (!this.#enabled || !polite || !wasReady || this.#record.readyAt === undefined) return this.#work;
    return this.#enqueue(() => this.#copy('close', 1));
  }

  // A logout deleted the login and every copy (forgetLogin): nothing more is copied.
  onLogout(): void {
    this.#cancel();
    this.#record = {};
  }

  // Ends the timer and waits for the work under way.
  async close(): Promise<void> {
    this.#closed = true;
    this.#cancel();
    await this.#work;
  }

  #schedule(triesLeft: number): void {
    this.#cancel();
    if (this.#closed || triesLeft <= 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#enqueue(() => this.#copy('ready', triesLeft));
    }, this.#options.settleMs ?? SETTLE_MS);
  }

  #cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #enqueue(work: () => Promise<void>): Promise<void> {
    this.#work = this.#work.then(work).catch((error: unknown) => {
      this.#options.logger.error('Keeping the saved login failed', describeError(error));
    });
    return this.#work;
  }

  async #copy(why: string, triesLeft: number): Promise<void> {
    if (this.#record.readyAt === undefined) return;
    const { layout, files, generations, logger } = this.#options;
    const snapshot = await takeSnapshot(files, layout.loginSnapshots, generations, why);
    if (snapshot) {
      logger.info('Saved login copied', { snapshot: snapshot.name, bytes: snapshot.bytes, files: snapshot.files, duration_ms: snapshot.ms });
    } else if (triesLeft > 1) {
      logger.debug('The saved login changed while it was copied; trying again later', { why });
      this.#schedule(triesLeft - 1);
    } else {
      logger.warn('The saved login could not be copied: it kept changing, or is not there', { why });
    }
  }

  #update(change: Partial<LoginRecord>): void {
    this.#record = { ...this.#record, ...change };
    const record = this.#record;
    const { layout } = this.#options;
    void this.#enqueue(async () => {
      await mkdir(layout.dir, { recursive: true });
      await writeLoginRecord(layout.loginRecord, record);
    });
  }
}
