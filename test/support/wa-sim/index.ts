// wa-sim: a local stand-in for web.whatsapp.com (and the phone behind it) so that the real, unmodified
// whatsapp-web.js 1.34.7 can be tested in real Chromium without internet access.
//
// Pieces: cert.ts (self-signed cert via openssl), phone.ts (linked devices, QR refs, pairing codes, the
// network; pairing.ts the codes, wait-for.ts waiting on its state),
// outgoing.ts (lookups, messages, what the next send meets), page-protocol.ts (server <-> page events),
// server.ts (HTTPS: page + /__wa page API), control-api.ts (/__sim control API), json-http.ts,
// page/ (browser side: index.html + wa-web.js).
//
// Point Chromium at it by appending `sim.chromeArgs` to puppeteer.args.
//
// Behaviour of whatsapp-web.js against the simulator (see test/wa-sim/simulator.test.ts):
// - phoneLogout(): page fires Cmd 'logout' and navigates to /?post_logout=1 -> library emits
//   'disconnected' 'LOGOUT', LocalAuth deletes <dataPath>/session, and the same Client then shows a new 'qr'.
// - dropConnection(): 'change_state' 'TIMEOUT' (no 'disconnected'); restoreConnection(): 'change_state'
//   'OPENING' then 'CONNECTED'. dropConnection('OPENING'): 'TIMEOUT', then 'OPENING' as the page's socket
//   reopens, and it stays there (the server withholds the session) until restoreConnection(): 'CONNECTED'.
//   Lookups/sends issued while dropped wait and complete after restore.
// - A send (WAWebSendMsgChatAction.addAndSendMsgToChat) is added to the chat at once (ack 0: sendMessage
//   resolves); its send result follows once the server answered and its first ack (other than 0) was applied:
//   { messageSendResult: 'OK' } for ack >= 1, 'ERROR_UNKNOWN' for -1. The acks are ackNextSend()'s steps,
//   by default one ack 1 at once. A refused send (failNextSend, limitNewContacts) sets ack -1 and rejects the
//   send result with the server's reason; failNextSendResult() resolves it with an error value and marks the
//   message isSendFailure. whatsapp-web.js sees the send result only with sendMessage's waitUntilMsgSent.
// - withoutLid(number): lookups find the number, but opening its chat (findOrCreateLatestChat, from
//   sendMessage's getChat) throws "No LID for user", as WhatsApp Web 2.3000.x does.
// - client.requestPairingCode(number): resolves with the code the server issued ("ABCDEFGH"; also a 'code'
//   event); sim.enterPairingCode(code) as the phone whose number it is links the page like scan() does:
//   'authenticated' then 'ready'. A code asked for another number is refused, as that phone never sees it.
// - client.logout(): the device is unlinked on the server; no events are emitted.
// - hasSynced (-> 'authenticated' + 'ready') is set syncDelayMs after CONNECTED but never before the
//   library has registered its 'change:hasSynced' listener, so 'ready' is deterministic here. Real WhatsApp
//   does not wait; a product driver should still guard 'ready' with a timeout.
import { createSelfSignedCertificate } from './cert.js';
import { loadPageAssets } from './page-assets.js';
import { SimPhone, type SimPairingCode } from './phone.js';
import { startSimServer } from './server.js';
import type { ResolvedSimOptions, SimAckStep, SimMessage, SimOptions } from './types.js';

export type { SimAckStep, SimMessage, SimOptions } from './types.js';
export type { SimPairingCode } from './phone.js';

export interface WhatsAppSimulator {
  readonly port: number;
  /** --host-resolver-rules and --ignore-certificate-errors-spki-list, ready to append to puppeteer args. */
  readonly chromeArgs: readonly string[];
  /** https://127.0.0.1:<port>/__sim (self-signed: use curl -k). */
  readonly controlUrl: string;
  currentQr(): string | undefined;
  waitForQr(opts?: { timeoutMs?: number; notEqualTo?: string }): Promise<string>;
  scan(qr: string): void;
  /** The pairing code a page waiting to be linked last asked for (client.requestPairingCode), and its number. */
  currentPairingCode(): SimPairingCode | undefined;
  /** The phone's user enters `code`: links that page like a scan; refused if it was asked for another number. */
  enterPairingCode(code: string): void;
  linkedDevices(): number;
  sentMessages(): SimMessage[];
  failNextSend(reason?: string): void;
  hangNextSend(): void;
  /** From the next page load (or link) on, the history sync that leads to 'ready' takes `ms`. */
  setSyncDelay(ms: number): void;
  /** The next send is recorded at once; its answer reaches the page after `ms`. */
  delayNextSend(ms: number): void;
  /** The acks the next accepted send gets, in order; each `delayMs` after the previous (the first after the answer). */
  ackNextSend(steps: readonly SimAckStep[]): void;
  /** The next send's result is WhatsApp Web's error value (default 'ERROR_UNKNOWN'); nothing reaches the server. */
  failNextSendResult(result?: string): void;
  /** While on, messages to numbers this account never wrote to are refused with error 463. */
  limitNewContacts(on?: boolean): void;
  markUnregistered(number: string): void;
  /** The number is on WhatsApp but has no LID: opening its chat throws "No LID for user". */
  withoutLid(number: string): void;
  mapNumber(input: string, canonical: string): void;
  phoneLogout(): void;
  /** Ends the pages' sockets; reconnects fail ('TIMEOUT') or reopen and stall ('OPENING') until restored. */
  dropConnection(stuckIn?: 'TIMEOUT' | 'OPENING'): void;
  restoreConnection(): void;
  unknownModules(): string[];
  close(): Promise<void>;
}

export const SIM_HOSTNAME = 'web.whatsapp.com';

export async function startWhatsAppSimulator(options: SimOptions = {}): Promise<WhatsAppSimulator> {
  const resolved = resolveOptions(options);
  const assets = await loadPageAssets();
  const cert = await createSelfSignedCertificate(SIM_HOSTNAME);
  const phone = new SimPhone(resolved);
  const server = await startSimServer(cert, phone, assets).catch(async (err: unknown) => {
    await cert.dispose();
    throw err;
  });
  const { port } = server;
  let closing: Promise<void> | undefined;

  return {
    port,
    chromeArgs: Object.freeze([
      `--host-resolver-rules=MAP ${SIM_HOSTNAME} 127.0.0.1:${port},MAP * ~NOTFOUND`,
      `--ignore-certificate-errors-spki-list=${cert.spkiSha256}`,
    ]),
    controlUrl: `https://127.0.0.1:${port}/__sim`,
    currentQr: () => phone.currentQr(),
    waitForQr: (opts) => phone.waitForQr(opts),
    scan: (qr) => phone.scan(qr),
    currentPairingCode: () => phone.currentPairingCode(),
    enterPairingCode: (code) => phone.enterPairingCode(code),
    linkedDevices: () => phone.linkedDevices(),
    sentMessages: () => phone.outgoing.sentMessages(),
    failNextSend: (reason) => phone.outgoing.failNextSend(reason),
    hangNextSend: () => phone.outgoing.hangNextSend(),
    delayNextSend: (ms) => phone.outgoing.delayNextSend(ms),
    ackNextSend: (steps) => phone.outgoing.ackNextSend(steps),
    failNextSendResult: (result) => phone.outgoing.failNextSendResult(result),
    limitNewContacts: (on = true) => phone.outgoing.limitNewContacts(on),
    setSyncDelay: (ms) => phone.setSyncDelay(ms),
    markUnregistered: (number) => phone.outgoing.markUnregistered(number),
    withoutLid: (number) => phone.outgoing.withoutLid(number),
    mapNumber: (input, canonical) => phone.outgoing.mapNumber(input, canonical),
    phoneLogout: () => phone.phoneLogout(),
    dropConnection: (stuckIn) => phone.drop(stuckIn),
    restoreConnection: () => phone.restore(),
    unknownModules: () => phone.unknownModules(),
    close(): Promise<void> {
      closing ??= (async () => {
        phone.shutdown();
        await server.close();
        await cert.dispose();
      })();
      return closing;
    },
  };
}

function resolveOptions(options: SimOptions): ResolvedSimOptions {
  const resolved: ResolvedSimOptions = {
    qrRotateMs: options.qrRotateMs ?? 20_000,
    phone: options.phone ?? '5491100000000',
    pushname: options.pushname ?? 'Sim Phone',
    platform: options.platform ?? 'android',
    syncDelayMs: options.syncDelayMs ?? 300,
  };
  if (!Number.isFinite(resolved.qrRotateMs) || resolved.qrRotateMs < 100) {
    throw new Error('wa-sim: qrRotateMs must be a number >= 100');
  }
  if (!Number.isFinite(resolved.syncDelayMs) || resolved.syncDelayMs < 0) {
    throw new Error('wa-sim: syncDelayMs must be a number >= 0');
  }
  if (!/^\d{5,20}$/.test(resolved.phone)) throw new Error('wa-sim: phone must be digits only');
  return resolved;
}
