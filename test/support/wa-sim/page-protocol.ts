// What the simulated servers and a page say to each other over the page's event stream, and the QR a page
// shows (built exactly as whatsapp-web.js builds it).
import { randomBytes } from 'node:crypto';

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

export function newRef(): string {
  return `2@${randomBytes(33).toString('base64')}`;
}

/** Same layout whatsapp-web.js 1.34.7 uses in Client.inject(): ref,staticKey,identityKey,advSecret,platform. */
export function qrString(ref: string, keys: PageKeys): string {
  return [ref, keys.staticKey, keys.identityKey, keys.advSecret, keys.platform].join(',');
}
