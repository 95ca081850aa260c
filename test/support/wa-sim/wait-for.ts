// Waiting for a piece of simulator state (e.g. a QR) that changes on an event.
import type { EventEmitter } from 'node:events';

export interface WaitOptions {
  timeoutMs: number;
  // What is waited for, for the error: "QR", "new QR".
  what: string;
  closed: boolean;
}

// Resolves with read()'s value once it is defined: now, or after one of `event`; rejects on 'close' or
// after timeoutMs. Listeners and the timer are removed in every case.
export function waitForValue<T>(events: EventEmitter, event: string, read: () => T | undefined, options: WaitOptions): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const check = (): void => {
      const value = read();
      if (value === undefined) return;
      cleanup();
      resolve(value);
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error(`wa-sim: simulator closed while waiting for a ${options.what}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`wa-sim: no ${options.what} within ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      events.off(event, check);
      events.off('close', onClose);
    };
    events.on(event, check);
    events.on('close', onClose);
    if (options.closed) onClose();
    else check();
  });
}
