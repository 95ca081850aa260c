// How the host gets a worker: a forked child it can talk to, signal, and watch exit. Injected, so the host
// is tested over an in-memory channel without forking; execaFork is the real one.
import { execaNode } from 'execa';
import { ipcChannel } from '../shared/ipc-channel.js';
import { describeError, type Logger } from '../shared/logger.js';
import type { Channel } from '../shared/rpc.js';
import { WORKER_KILL_GRACE_MS } from '../shared/timings.js';

export interface ChildHandle {
  readonly pid: number | undefined;
  readonly channel: Channel;
  // SIGTERM escalates to SIGKILL after WORKER_KILL_GRACE_MS by itself.
  kill(signal: 'SIGTERM' | 'SIGKILL'): void;
  // The channel closed (the child is dying or gone).
  onDisconnect(listener: () => void): void;
  onExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void;
}

export type Fork = () => ChildHandle;

export function execaFork(entry: string, env: NodeJS.ProcessEnv, logger: Logger): Fork {
  return () => {
    const child = execaNode(entry, [], {
      ipc: true,
      serialization: 'json',
      // A 1 MiB young generation: the worker allocates little and slowly, and V8's default semi-space
      // sizing keeps ~8 MiB more resident (bench/memory-variants.ts, node-semi-space-1: worker PSS
      // -7..-9 MiB). The supervisor's own Node options come after it, so an operator's choice wins.
      nodeOptions: ['--max-semi-space-size=1', ...process.execArgv],
      // Keep no copy of IPC messages or output for the child's lifetime.
      buffer: false,
      stdin: 'ignore',
      stdout: 'inherit',
      stderr: 'inherit',
      env,
      extendEnv: false,
      reject: false,
      // If the supervisor dies, take the worker with it.
      cleanup: true,
      forceKillAfterDelay: WORKER_KILL_GRACE_MS,
    });
    child.on('error', (error) => logger.error('Worker process error', describeError(error)));
    // The result is read from 'exit'; this only keeps a failed spawn from being an unhandled rejection.
    (child as unknown as Promise<unknown>).catch(() => undefined);
    return {
      pid: child.pid,
      channel: ipcChannel(child, (error) => logger.warn('IPC send to the worker failed', describeError(error))),
      kill: (signal) => void child.kill(signal),
      onDisconnect: (listener) => void child.on('disconnect', listener),
      onExit: (listener) => void child.on('exit', listener),
    };
  };
}
