// The simulated "phone" and WhatsApp servers: linked devices, QR refs, number lookups, sent messages.
// Pure state; the HTTPS layer (server.ts) feeds page requests in and pushes PageEvents out.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { ResolvedSimOptions, SimMessage } from './types.js';

/** What a page learns about the account once it is linked. */
export interface PageAccount {
  readonly phone: string;
  readonly pushname: string;
  readonly platform: string;
  readonly syncDelayMs: number;
}

/** Key material a page generated for itself; part of the QR string, exactly as whatsapp-web.js builds it. */
export interface PageKeys {
  readonly staticKey: string;
  readonly identityKey: string;
  readonly advSecret: string;
  readonly platform: string;
}

/** Server -> page messages (sent over the page's event stream). */
export type PageEvent =
  | { readonly type: 'unpaired'; readonly ref: string; readonly revoked: boolean }
  | { readonly type: 'ref'; readonly ref: string }
  | { readonly type: 'paired'; readonly token: string; readonly account: PageAccount }
  | { readonly type: 'session'; readonly account: PageAccount }
  | { readonly type: 'logout' };

/** The server side of one page's event stream. */
export interface PageLink {
  push(event: PageEvent): void;
  end(): void;
}

export type SendOutcome =
  | { readonly kind: 'sent'; readonly message: SimMessage; readonly answerAfterMs: number }
  | { readonly kind: 'failed'; readonly reason: string }
  | { readonly kind: 'hang' };

export type LookupOutcome = { readonly exists: false } | { readonly exists: true; readonly user: string };

/** An error with the HTTP status the page / control API should see. */
export class SimError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'SimError';
  }
}

interface PageConnection {
  readonly id: number;
  readonly link: PageLink;
  readonly keys: PageKeys;
  token: string | undefined;
  qr: string | undefined;
  rotateTimer: NodeJS.Timeout | undefined;
}

export function normalizeNumber(input: string): string {
  const user = input.trim().replace(/@c\.us$/, '').replace(/^\+/, '');
  if (!/^\d{5,20}$/.test(user)) {
    throw new SimError(`wa-sim: '${input}' is not a phone number (digits, optionally '@c.us')`, 400);
  }
  return user;
}

export class SimPhone {
  readonly #options: ResolvedSimOptions;
  readonly #connections = new Map<number, PageConnection>();
  readonly #devices = new Map<string, { readonly linkedAt: number }>();
  readonly #unregistered = new Set<string>();
  readonly #numberMap = new Map<string, string>();
  readonly #messages: SimMessage[] = [];
  readonly #unknownModules: string[] = [];
  readonly #events = new EventEmitter();
  #nextConnectionId = 1;
  #failNext: string | undefined;
  #hangNext = false;
  #delayNextMs = 0;
  #syncDelayMs: number | undefined;
  #dropped = false;
  #closed = false;

  constructor(options: ResolvedSimOptions) {
    this.#options = options;
    this.#events.setMaxListeners(0);
  }

  get dropped(): boolean {
    return this.#dropped;
  }

  // ---- page connections -------------------------------------------------------------------

  /** A page opened its event stream. Returns the connection id (pass it to disconnectPage). */
  connectPage(link: PageLink, token: string | undefined, keys: PageKeys): number {
    this.#assertOnline();
    const conn: PageConnection = {
      id: this.#nextConnectionId++,
      link,
      keys,
      token: undefined,
      qr: undefined,
      rotateTimer: undefined,
    };
    this.#connections.set(conn.id, conn);
    if (token !== undefined && this.#devices.has(token)) {
      conn.token = token;
      link.push({ type: 'session', account: this.#account() });
      return conn.id;
    }
    const ref = newRef();
    conn.qr = qrString(ref, keys);
    conn.rotateTimer = setInterval(() => this.#rotate(conn), this.#options.qrRotateMs);
    conn.rotateTimer.unref();
    link.push({ type: 'unpaired', ref, revoked: token !== undefined });
    this.#events.emit('qr');
    return conn.id;
  }

  disconnectPage(id: number): void {
    const conn = this.#connections.get(id);
    if (!conn) return;
    clearInterval(conn.rotateTimer);
    this.#connections.delete(id);
  }

  #rotate(conn: PageConnection): void {
    if (conn.token !== undefined || !this.#connections.has(conn.id)) return;
    const ref = newRef();
    conn.qr = qrString(ref, conn.keys);
    conn.link.push({ type: 'ref', ref });
    this.#events.emit('qr');
  }

  // ---- QR / linking -------------------------------------------------------------------------

  /** QR of the most recently connected page that is waiting to be linked. */
  currentQr(): string | undefined {
    let qr: string | undefined;
    for (const conn of this.#connections.values()) {
      if (conn.token === undefined && conn.qr !== undefined) qr = conn.qr;
    }
    return qr;
  }

  waitForQr(opts: { timeoutMs?: number; notEqualTo?: string } = {}): Promise<string> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    return new Promise<string>((resolve, reject) => {
      const check = (): boolean => {
        const qr = this.currentQr();
        if (qr === undefined || qr === opts.notEqualTo) return false;
        cleanup();
        resolve(qr);
        return true;
      };
      const onClose = (): void => {
        cleanup();
        reject(new Error('wa-sim: simulator closed while waiting for a QR'));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`wa-sim: no${opts.notEqualTo === undefined ? '' : ' new'} QR within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.#events.off('qr', check);
        this.#events.off('close', onClose);
      };
      this.#events.on('qr', check);
      this.#events.on('close', onClose);
      if (this.#closed) onClose();
      else check();
    });
  }

  scan(qr: string): void {
    this.#assertOnline();
    const conn = [...this.#connections.values()].find((c) => c.token === undefined && c.qr === qr);
    if (!conn) {
      throw new SimError(
        'wa-sim: scan() refused: that QR is not currently shown by any page (stale, already used or unknown)',
        409,
      );
    }
    const token = randomBytes(24).toString('base64url');
    this.#devices.set(token, { linkedAt: Date.now() });
    clearInterval(conn.rotateTimer);
    conn.rotateTimer = undefined;
    conn.qr = undefined;
    conn.token = token;
    conn.link.push({ type: 'paired', token, account: this.#account() });
  }

  linkedDevices(): number {
    return this.#devices.size;
  }

  /** The phone removes every linked device; connected pages are told and go through WhatsApp's logout. */
  phoneLogout(): void {
    if (this.#devices.size === 0) throw new SimError('wa-sim: phoneLogout(): no device is linked', 409);
    for (const token of [...this.#devices.keys()]) this.#revoke(token);
  }

  /** The page itself logged out (whatsapp-web.js client.logout()). */
  unlinkFromPage(token: string): void {
    if (this.#devices.has(token)) this.#revoke(token);
  }

  #revoke(token: string): void {
    this.#devices.delete(token);
    for (const conn of [...this.#connections.values()]) {
      if (conn.token !== token) continue;
      this.disconnectPage(conn.id);
      conn.link.push({ type: 'logout' });
      conn.link.end();
    }
  }

  // ---- network ------------------------------------------------------------------------------

  drop(): void {
    this.#dropped = true;
    for (const conn of [...this.#connections.values()]) {
      this.disconnectPage(conn.id);
      conn.link.end();
    }
  }

  restore(): void {
    this.#dropped = false;
  }

  // ---- numbers and messages -----------------------------------------------------------------

  markUnregistered(number: string): void {
    this.#unregistered.add(normalizeNumber(number));
  }

  mapNumber(input: string, canonical: string): void {
    this.#numberMap.set(normalizeNumber(input), normalizeNumber(canonical));
  }

  lookup(token: string | undefined, number: string): LookupOutcome {
    this.#assertDevice(token);
    const user = normalizeNumber(number);
    if (this.#unregistered.has(user)) return { exists: false };
    const canonical = this.#numberMap.get(user) ?? user;
    if (this.#unregistered.has(canonical)) return { exists: false };
    return { exists: true, user: canonical };
  }

  failNextSend(reason = 'wa-sim: send failed (failNextSend)'): void {
    this.#failNext = reason;
  }

  hangNextSend(): void {
    this.#hangNext = true;
  }

  /** From the next page load (or link) on, the history sync that leads to 'ready' takes `ms`. */
  setSyncDelay(ms: number): void {
    this.#syncDelayMs = ms;
  }

  /** The next send is recorded at once but its answer reaches the page only after `ms` (a slow network). */
  delayNextSend(ms: number): void {
    this.#delayNextMs = ms;
  }

  send(token: string | undefined, to: string, body: string, id: string): SendOutcome {
    this.#assertDevice(token);
    if (this.#failNext !== undefined) {
      const reason = this.#failNext;
      this.#failNext = undefined;
      return { kind: 'failed', reason };
    }
    if (this.#hangNext) {
      this.#hangNext = false;
      return { kind: 'hang' };
    }
    const message: SimMessage = { to, body, id, at: Date.now() };
    this.#messages.push(message);
    const answerAfterMs = this.#delayNextMs;
    this.#delayNextMs = 0;
    return { kind: 'sent', message, answerAfterMs };
  }

  sentMessages(): SimMessage[] {
    return this.#messages.map((m) => ({ ...m }));
  }

  // ---- diagnostics --------------------------------------------------------------------------

  reportUnknownModule(name: string): void {
    this.#unknownModules.push(name);
  }

  unknownModules(): string[] {
    return [...this.#unknownModules];
  }

  status(): { linkedDevices: number; pages: number; dropped: boolean; qr: string | null } {
    return {
      linkedDevices: this.#devices.size,
      pages: this.#connections.size,
      dropped: this.#dropped,
      qr: this.currentQr() ?? null,
    };
  }

  shutdown(): void {
    this.#closed = true;
    for (const conn of [...this.#connections.values()]) this.disconnectPage(conn.id);
    this.#events.emit('close');
  }

  // ---- helpers ------------------------------------------------------------------------------

  #account(): PageAccount {
    const { phone, pushname, platform } = this.#options;
    return { phone, pushname, platform, syncDelayMs: this.#syncDelayMs ?? this.#options.syncDelayMs };
  }

  #assertOnline(): void {
    if (this.#closed) throw new SimError('wa-sim: simulator is closed', 503);
    if (this.#dropped) throw new SimError('wa-sim: connection dropped (dropConnection)', 503);
  }

  #assertDevice(token: string | undefined): void {
    this.#assertOnline();
    if (token === undefined || !this.#devices.has(token)) {
      throw new SimError('wa-sim: this page is not a linked device', 401);
    }
  }
}

function newRef(): string {
  return `2@${randomBytes(33).toString('base64')}`;
}

/** Same layout whatsapp-web.js 1.34.7 uses in Client.inject(): ref,staticKey,identityKey,advSecret,platform. */
function qrString(ref: string, keys: PageKeys): string {
  return [ref, keys.staticKey, keys.identityKey, keys.advSecret, keys.platform].join(',');
}
