// Adapts Node's raw IPC endpoint (a ChildProcess in the supervisor, `process` in the worker) to a Channel.
//
// Why the raw `send`/'message' pair and not execa's IPC helpers: measured with execa 9, `sendMessage` /
// `getEachMessage` deliver at most one message per event-loop turn (about 3x less throughput at 32
// concurrent calls), and execa's default `buffer: true` keeps every IPC message in memory for the child's
// lifetime. We use execa to fork (execaNode, `buffer: false`) and the raw channel to talk.
import type { Channel } from './rpc.js';

export interface IpcEndpoint {
  readonly connected: boolean;
  send?(message: unknown, callback: (error: Error | null) => void): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
}

export function ipcChannel(endpoint: IpcEndpoint, onSendError: (error: Error) => void): Channel {
  return {
    post(message) {
      if (!endpoint.connected || !endpoint.send) throw new Error('The IPC channel is closed');
      // A send to a dying process fails later (EPIPE): report it instead of letting it crash us.
      endpoint.send(message, (error) => {
        if (error) onSendError(error);
      });
    },
    subscribe(listener) {
      endpoint.on('message', listener);
      return () => endpoint.off('message', listener);
    },
  };
}
