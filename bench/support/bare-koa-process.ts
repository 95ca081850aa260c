// Starts bench/bare-koa.ts as its own Node process, spawned like the service (same Node binary, no extra
// flags, the same bare environment), and stops it.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BARE_KOA_ENTRY = fileURLToPath(new URL('../bare-koa.js', import.meta.url));
const START_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 5_000;

export interface BareKoa {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

// `statusAnswer` is the service's GET /status body: the bare server repeats its session fields. Without
// `router` it dispatches by hand, the cheapest Koa can be.
export async function startBareKoa(statusAnswer: Record<string, unknown>, options: { router: boolean }): Promise<BareKoa> {
  const child = spawn(process.execPath, [BARE_KOA_ENTRY], {
    env: { PATH: process.env.PATH ?? '', BARE_KOA_SNAPSHOT: JSON.stringify(statusAnswer), BARE_KOA_ROUTER: options.router ? '1' : '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-2000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bare Koa did not listen within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const line = stdout.split('\n').find((candidate) => candidate.startsWith('{'));
      if (line === undefined) return;
      clearTimeout(timer);
      resolve((JSON.parse(line) as { port: number }).port);
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`bare Koa exited before listening: ${stderr.trim() || '(no stderr)'}`));
    });
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid ?? Number.NaN,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
