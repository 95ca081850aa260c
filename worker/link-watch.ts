// WhatsApp Web's own link, as whatsapp-web.js reports it (change_state with WAState values): whether a
// client that was connected has lost it, and a timer for a loss that lasts too long. whatsapp-web.js keeps
// the client through TIMEOUT, OPENING and PAIRING (its ACCEPTED_STATES) and WhatsApp Web reconnects by
// itself; every other state ends the session and arrives as 'disconnected' too, so it is not watched here.

// The states of a link that is down but may come back on its own.
export const LINK_LOST_STATES: readonly string[] = Object.freeze(['TIMEOUT', 'OPENING', 'PAIRING']);
export const LINK_UP_STATE = 'CONNECTED';

export type LinkChange = 'lost' | 'still-lost' | 'restored' | 'none';

export interface LinkWatchOptions {
  // How long the link may stay lost before onLostTooLong.
  lostTimeoutMs: number;
  // Called once per loss that outlasts lostTimeoutMs, with WhatsApp's state at that moment.
  onLostTooLong: (state: string, lostForMs: number) => void;
  now?: () => number;
}

export class LinkWatch {
  readonly #options: LinkWatchOptions;
  #state: string | undefined;
  #lostSince: number | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: LinkWatchOptions) {
    this.#options = options;
  }

  get lost(): boolean {
    return this.#lostSince !== undefined;
  }

  // WhatsApp Web's state changed (only call it for a client that was connected): what that means for the link.
  update(state: string): LinkChange {
    this.#state = state;
    if (state === LINK_UP_STATE) {
      const wasLost = this.lost;
      this.reset();
      return wasLost ? 'restored' : 'none';
    }
    if (!LINK_LOST_STATES.includes(state)) return 'none';
    if (this.lost) return 'still-lost';
    const now = this.#options.now ?? Date.now;
    this.#lostSince = now();
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#options.onLostTooLong(this.#state ?? state, now() - (this.#lostSince ?? now()));
    }, this.#options.lostTimeoutMs);
    return 'lost';
  }

  // The client this watched is gone (replaced, closed): forget its link and its timer.
  reset(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#lostSince = undefined;
  }
}
