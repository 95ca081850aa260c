// The simulated "phone" and WhatsApp servers: linked devices, QR refs, the network; number lookups and
// sent messages are outgoing.ts's. Pure state; the HTTPS layer (server.ts) feeds page requests in and
// pushes PageEvents out.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { SimOutgoing, type LookupOutcome, type SendOutcome } from './outgoing.js';
import { enteredCode, issuePairingCode, type SimPairingCode } from './pairing.js';
import { newRef, qrString, type PageAccount, type PageKeys, type PageLink } from './page-protocol.js';
import { SimError } from './sim-error.js';
import type { ResolvedSimOptions } from './types.js';
import { waitForValue } from './wait-for.js';

export { SimError } from './sim-error.js';
export type { LookupOutcome, SendOutcome } from './outgoing.js';
export type { SimPairingCode } from './pairing.js';
export type { PageAccount, PageEvent, PageKeys, PageLink } from './page-protocol.js';

interface PageConnection {
  readonly id: number;
  readonly link: PageLink;
  readonly keys: PageKeys;
  token: string | undefined;
  qr: string | undefined;
  // The code this page asked for to link by phone number instead (startAltLinkingFlow), and for which number.
  pairing: SimPairingCode | undefined;
  rotateTimer: NodeJS.Timeout | undefined;
}

export class SimPhone {
  readonly #options: ResolvedSimOptions;
  readonly #connections = new Map<number, PageConnection>();
  readonly #devices = new Map<string, { readonly linkedAt: number }>();
  readonly outgoing = new SimOutgoing();
  readonly #unknownModules: string[] = [];
  readonly #events = new EventEmitter();
  #nextConnectionId = 1;
  #syncDelayMs: number | undefined;
  #dropped = false;
  // While dropped: reconnecting pages get their socket open (OPENING) but not the session, until restore().
  #stallOpening = false;
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
      pairing: undefined,
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
    const read = (): string | undefined => {
      const qr = this.currentQr();
      return qr === opts.notEqualTo ? undefined : qr;
    };
    const what = opts.notEqualTo === undefined ? 'QR' : 'new QR';
    return waitForValue(this.#events, 'qr', read, { timeoutMs: opts.timeoutMs ?? 30_000, what, closed: this.#closed });
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
    this.#link(conn);
  }

  /** A page waiting to be linked (found by its static key) asks for a code for the phone `phone`. */
  requestPairingCode(staticKey: string, phone: string, notify: boolean): string {
    this.#assertOnline();
    const pairing = issuePairingCode(phone, notify);
    const conn = [...this.#connections.values()].find((c) => c.token === undefined && c.keys.staticKey === staticKey);
    if (!conn) throw new SimError('wa-sim: no page waiting to be linked has these keys', 409);
    conn.pairing = pairing;
    return pairing.code;
  }

  /** The code most recently asked for by a page still waiting to be linked. */
  currentPairingCode(): SimPairingCode | undefined {
    let pairing: SimPairingCode | undefined;
    for (const conn of this.#connections.values()) if (conn.token === undefined && conn.pairing) pairing = conn.pairing;
    return pairing;
  }

  /** This phone's user enters `code` (dashes and case ignored) in Linked devices: that page is linked. */
  enterPairingCode(code: string): void {
    this.#assertOnline();
    const entered = enteredCode(code);
    const conn = [...this.#connections.values()].find((c) => c.token === undefined && c.pairing?.code === entered);
    if (!conn?.pairing) throw new SimError('wa-sim: enterPairingCode() refused: no page waiting to be linked has that code', 409);
    if (conn.pairing.phone !== this.#options.phone) {
      throw new SimError(`wa-sim: that code was asked for ${conn.pairing.phone}, not for this phone (${this.#options.phone})`, 409);
    }
    this.#link(conn);
  }

  #link(conn: PageConnection): void {
    const token = randomBytes(24).toString('base64url');
    this.#devices.set(token, { linkedAt: Date.now() });
    clearInterval(conn.rotateTimer);
    conn.rotateTimer = undefined;
    conn.qr = undefined;
    conn.pairing = undefined;
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

  /** Ends every page's socket; reconnects fail (the page stays TIMEOUT) or, with 'OPENING', open but stall. */
  drop(stuckIn: 'TIMEOUT' | 'OPENING' = 'TIMEOUT'): void {
    this.#dropped = true;
    this.#stallOpening = stuckIn === 'OPENING';
    for (const conn of [...this.#connections.values()]) {
      this.disconnectPage(conn.id);
      conn.link.end();
    }
  }

  /** Whether a page reconnecting now gets its socket open without the session (drop('OPENING')). */
  get stallsReconnects(): boolean {
    return this.#dropped && this.#stallOpening;
  }

  restore(): void {
    this.#dropped = false;
    this.#stallOpening = false;
    this.#events.emit('restored');
  }

  /** Calls `listener` once the connection is restored; returns a function that cancels it. */
  onRestored(listener: () => void): () => void {
    this.#events.once('restored', listener);
    return () => void this.#events.off('restored', listener);
  }

  // ---- numbers and messages (outgoing.ts; index.ts and the control API set it up directly) ----

  lookup(token: string | undefined, number: string): LookupOutcome {
    this.#assertDevice(token);
    return this.outgoing.lookup(number);
  }

  send(token: string | undefined, to: string, body: string, id: string): SendOutcome {
    this.#assertDevice(token);
    return this.outgoing.send(to, body, id);
  }

  /** From the next page load (or link) on, the history sync that leads to 'ready' takes `ms`. */
  setSyncDelay(ms: number): void {
    this.#syncDelayMs = ms;
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
