// Pings the worker on a fixed interval; after `misses` consecutive pings without an answer in time,
// declares it hung. One instance per worker, stopped with it. `ping` must settle by itself (the RPC call
// has its own timeout); the next ping is scheduled only once it has, so pings never overlap.
export interface HeartbeatOptions {
  intervalMs: number;
  misses: number;
  ping: () => Promise<unknown>;
  onHung: (why: string) => void;
}

export class Heartbeat {
  readonly #options: HeartbeatOptions;
  #timer: NodeJS.Timeout | undefined;
  #missed = 0;
  #started = false;
  #stopped = false;

  constructor(options: HeartbeatOptions) {
    this.#options = options;
  }

  // A second call does nothing: one chain of pings per heartbeat.
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#beat(), this.#options.intervalMs);
    this.#timer.unref();
  }

  async #beat(): Promise<void> {
    try {
      await this.#options.ping();
      this.#missed = 0;
    } catch (error) {
      this.#missed += 1;
      if (this.#missed >= this.#options.misses && !this.#stopped) {
        this.stop();
        this.#options.onHung(`${this.#missed} heartbeats failed (last: ${error instanceof Error ? error.message : String(error)})`);
        return;
      }
    }
    this.#schedule();
  }
}
