// Two Channel ends wired to each other in memory, behaving like Node's IPC: messages are copied through
// JSON (the default `serialization: 'json'`) and delivered on a later turn of the event loop, never inline.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Channel } from '../../shared/rpc.js';

export interface MemoryChannel extends Channel {
  // Hands any value to this end's listeners as if the peer had sent it (for malformed or stray input).
  receive(message: unknown): void;
  // After this, post() throws, like a channel whose process has gone.
  disconnect(): void;
  readonly listenerCount: number;
}

export interface MemoryChannelPair {
  readonly left: MemoryChannel;
  readonly right: MemoryChannel;
  // Resolves once no message is on its way in either direction.
  idle(): Promise<void>;
}

export function memoryChannelPair(): MemoryChannelPair {
  let inFlight = 0;

  function deliverLater(listeners: ReadonlySet<(message: unknown) => void>, message: unknown): void {
    inFlight += 1;
    setImmediate(() => {
      inFlight -= 1;
      for (const listener of [...listeners]) listener(message);
    });
  }

  function end(): MemoryChannel & { peer: MemoryChannel | undefined } {
    let connected = true;
    const listeners = new Set<(message: unknown) => void>();
    const channel = {
      peer: undefined as MemoryChannel | undefined,
      post(message: unknown): void {
        if (!connected || !channel.peer) throw new Error('The in-memory channel is closed');
        const copy: unknown = JSON.parse(JSON.stringify(message));
        channel.peer.receive(copy);
      },
      subscribe(listener: (message: unknown) => void): () => void {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      receive(message: unknown): void {
        deliverLater(listeners, message);
      },
      disconnect(): void {
        connected = false;
      },
      get listenerCount(): number {
        return listeners.size;
      },
    };
    return channel;
  }

  const left = end();
  const right = end();
  left.peer = right;
  right.peer = left;

  return {
    left,
    right,
    // Always yields a turn first, so work already queued in microtasks (a handler answering) gets to
    // post; a handler that answers at once posts before the next turn, so the count never drops to zero
    // between a request and its answer.
    async idle(): Promise<void> {
      do await nextTurn();
      while (inFlight > 0);
    },
  };
}
