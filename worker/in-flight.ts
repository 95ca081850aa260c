// The calls a session has in flight, so that a disconnect or a shutdown can let them finish (for a bounded
// time) before the client closes, and none is cut off midway.
export class InFlight {
  readonly #calls = new Set<Promise<unknown>>();

  get size(): number {
    return this.#calls.size;
  }

  // Runs `work` and keeps it until it settles; a check that throws becomes a rejection, like the work's own.
  track<T>(work: () => Promise<T>): Promise<T> {
    const promise = new Promise<T>((resolve) => resolve(work()));
    this.#calls.add(promise);
    const forget = (): void => void this.#calls.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  // Resolves once every call in flight settled, or after graceMs, whichever comes first.
  async drain(graceMs: number): Promise<void> {
    if (this.#calls.size === 0 || graceMs === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    try {
      await Promise.race([Promise.allSettled([...this.#calls]), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
