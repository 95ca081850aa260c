// Forks "workers" in this process: the real worker code (serve.ts, its session, a real driver) over an
// in-memory channel pair, so the worker host is tested without processes. Each child can be killed
// (SIGKILL: gone at once; SIGTERM: the worker's own clean stop, as its signal handler does) or frozen
// (messages to it are dropped, like a SIGSTOPped process).
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../../shared/logger.js';
import { sessionLayout, type SessionLayout } from '../../shared/session-layout.js';
import type { Channel } from '../../shared/rpc.js';
import type { ChildHandle, Fork } from '../../supervisor/fork.js';
import type { DriverFactory } from '../../worker/drivers/driver.js';
import { serveWorker, type ServedWorker } from '../../worker/serve.js';
import { memoryChannelPair } from './memory-channel.js';

export interface MemoryChild extends ChildHandle {
  readonly served: ServedWorker;
  readonly exitCode: number | null | undefined;
  // Calls sent to this worker since it was forked, by method name.
  readonly calls: string[];
  freeze(): void;
  readonly exited: Promise<void>;
}

export interface MemoryFork {
  readonly fork: Fork;
  // When set, the next child never gets as far as its hello (a process stuck loading its modules).
  stuckNext: boolean;
  readonly children: MemoryChild[];
  readonly sessionsDir: string;
  readonly layout: SessionLayout;
  // Every child gone, and the sessions folder removed.
  close(): Promise<void>;
}

let nextPid = 4_000_000;

export async function memoryFork(createDriver: (layout: SessionLayout) => DriverFactory, logger: Logger): Promise<MemoryFork> {
  const sessionsDir = await mkdtemp(path.join(os.tmpdir(), 'sm-host-'));
  const layout = sessionLayout({ sessionsDir, clienteId: 51 });
  await mkdir(layout.dir, { recursive: true });
  const factory = createDriver(layout);
  const children: MemoryChild[] = [];

  const fork: Fork = () => {
    const pair = memoryChannelPair();
    const pid = nextPid++;
    const exitListeners: ((code: number | null, signal: NodeJS.Signals | null) => void)[] = [];
    const disconnectListeners: (() => void)[] = [];
    let exitCode: number | null | undefined;
    let frozen = false;
    let markExited: () => void = () => undefined;
    const exited = new Promise<void>((resolve) => (markExited = resolve));
    const calls: string[] = [];
    // The worker's end: what it posts reaches the host unless the process is gone; what it gets is dropped while frozen.
    const workerEnd: Channel = {
      post: (message) => pair.right.post(message),
      subscribe: (listener) =>
        pair.right.subscribe((message) => {
          if (frozen) return;
          const method = (message as { method?: unknown }).method;
          if (typeof method === 'string') calls.push(method);
          listener(message);
        }),
    };
    const end = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (exitCode !== undefined) return;
      exitCode = code;
      pair.left.disconnect();
      pair.right.disconnect();
      setImmediate(() => {
        for (const listener of disconnectListeners) listener();
        for (const listener of exitListeners) listener(code, signal);
        markExited();
      });
    };
    const stuck = forks.stuckNext;
    forks.stuckNext = false;
    const served: ServedWorker = stuck ? { stop: async () => end(null, 'SIGTERM') } : serveWorker({
      channel: workerEnd,
      createDriver: factory,
      logger,
      showQr: () => undefined,
      exit: (code) => end(code, null),
      pid,
      shutdownGraceMs: 1000,
      linkLostTimeoutMs: 120_000,
    });
    const child: MemoryChild = {
      pid,
      channel: pair.left,
      served,
      calls,
      exited,
      get exitCode() {
        return exitCode;
      },
      kill(signal) {
        if (signal === 'SIGTERM' && !frozen) return void served.stop('SIGTERM', 0);
        end(null, signal);
        // What a killed process leaves behind here is its timers: close its client without a word.
        void served.stop('killed', undefined, 0);
      },
      freeze() {
        frozen = true;
      },
      onDisconnect: (listener) => void disconnectListeners.push(listener),
      onExit: (listener) => void exitListeners.push(listener),
    };
    children.push(child);
    return child;
  };

  const forks: MemoryFork = {
    fork,
    stuckNext: false,
    children,
    sessionsDir,
    layout,
    async close() {
      for (const child of children) child.kill('SIGKILL');
      await Promise.all(children.map((child) => child.exited));
      await rm(sessionsDir, { recursive: true, force: true });
    },
  };
  return forks;
}
