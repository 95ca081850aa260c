// When a dropped client's successor starts: after a delay that doubles on each try up to a cap, reset once
// the session is READY; or at a delay the caller names. One pending start at a time; its timer is owned here.
export class Reconnect {
  readonly #baseMs: number;
  readonly #maxMs: number;
  #tries = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(baseMs: number, maxMs: number) {
    this.#baseMs = baseMs;
    this.#maxMs = maxMs;
  }

  get pending(): boolean {
    return this.#timer !== undefined;
  }

  // Runs `start` after the next delay (or delayMs); returns the delay.
  schedule(start: () => void, delayMs?: number): number {
    const delay = delayMs ?? Math.min(this.#baseMs * 2 ** this.#tries, this.#maxMs);
    this.#tries += 1;
    this.cancel();
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      start();
    }, delay);
    return delay;
  }

  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  // The session is READY: the next drop starts again from the base delay.
  reset(): void {
    this.#tries = 0;
  }
}
