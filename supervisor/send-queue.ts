// Sends leave one at a time, in arrival order, at least minIntervalMs apart (WhatsApp's anti-spam
// limits), from a bounded queue: when it is full, the caller gets 429 QUEUE_FULL with Retry-After.
import { AppError } from '../shared/errors.js';

export interface SendQueueOptions {
  maxQueued: number;
  minIntervalMs: number;
}

interface Job {
  run: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class SendQueue {
  readonly #options: SendQueueOptions;
  readonly #jobs: Job[] = [];
  #running = false;
  #lastStartedAt = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  #closedWith: Error | undefined;

  constructor(options: SendQueueOptions) {
    this.#options = options;
  }

  // Jobs waiting, not counting the one running.
  get waiting(): number {
    return this.#jobs.length;
  }

  push<T>(run: () => Promise<T>): Promise<T> {
    if (this.#closedWith) return Promise.reject(this.#closedWith);
    if (this.#jobs.length >= this.#options.maxQueued) {
      const seconds = Math.max(1, Math.ceil(((this.#jobs.length + 1) * Math.max(this.#options.minIntervalMs, 100)) / 1000));
      return Promise.reject(
        new AppError('QUEUE_FULL', {
          message: `${this.#jobs.length} messages are already waiting to be sent; retry in ${seconds} s`,
          headers: { 'Retry-After': String(seconds) },
        }),
      );
    }
    return new Promise<T>((resolve, reject) => {
      this.#jobs.push({ run, resolve: resolve as (value: unknown) => void, reject });
      this.#next();
    });
  }

  // Refuses new jobs and fails those not started yet (they were never sent); the running one finishes.
  close(error: Error): void {
    this.#closedWith = error;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const job of this.#jobs.splice(0)) job.reject(error);
  }

  #next(): void {
    if (this.#running || this.#timer || this.#jobs.length === 0) return;
    const wait = this.#lastStartedAt + this.#options.minIntervalMs - performance.now();
    if (wait > 0) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#next();
      }, wait);
      return;
    }
    const job = this.#jobs.shift() as Job;
    this.#running = true;
    this.#lastStartedAt = performance.now();
    // A job that throws instead of rejecting must not stall the queue.
    new Promise<unknown>((resolve) => resolve(job.run()))
      .then(job.resolve, job.reject)
      .finally(() => {
        this.#running = false;
        this.#next();
      });
  }
}
