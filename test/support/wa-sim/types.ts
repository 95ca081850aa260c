// Public option / record types of the WhatsApp Web simulator (re-exported by index.ts).

export interface SimOptions {
  /** How often the QR ref of a page waiting to be linked rotates. Default 20000. */
  qrRotateMs?: number;
  /** The simulated account's phone number (digits only). Default '5491100000000'. */
  phone?: string;
  /** The simulated account's push name. Default 'Sim Phone'. */
  pushname?: string;
  /** The simulated phone's platform ('android', 'iphone', 'smba', ...). Default 'android'. */
  platform?: string;
  /** Time between the socket reaching CONNECTED and `hasSynced` (-> authenticated/ready). Default 300. */
  syncDelayMs?: number;
}

/** A message the simulated server accepted from the page. */
export interface SimMessage {
  /** Chat id the message was sent to, e.g. '5491122334455@c.us'. */
  to: string;
  body: string;
  /** Serialized message key, equal to whatsapp-web.js' `message.id._serialized`. */
  id: string;
  /** Server receive time (ms since epoch). */
  at: number;
}

export interface ResolvedSimOptions {
  readonly qrRotateMs: number;
  readonly phone: string;
  readonly pushname: string;
  readonly platform: string;
  readonly syncDelayMs: number;
}

/** One ack WhatsApp gives a sent message: `ack` (-1 error, 1 server, 2 device, 3 read, 4 played), `delayMs` after the previous step. */
export interface SimAckStep {
  ack: -1 | 0 | 1 | 2 | 3 | 4;
  delayMs: number;
}
