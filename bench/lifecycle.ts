// Start-up and recycle times of the real service in fake mode: process start to listening, to READY, and
// SIGUSR2 to READY again with the saved login.
import { request } from '../test/support/http.js';
import { startService } from '../test/support/service-process.js';

const RUNS = Number(process.env.BENCH_LIFECYCLE_RUNS ?? 5);

async function waitUntilState(url: string, state: string, since: number): Promise<number> {
  for (;;) {
    const { body } = await request(`${url}/status`);
    if (body.state === state) return performance.now() - since;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  return `median ${median.toFixed(0)} ms (min ${sorted[0]?.toFixed(0)}, max ${sorted.at(-1)?.toFixed(0)})`;
}

export async function benchLifecycle(): Promise<void> {
  const listening: number[] = [];
  const ready: number[] = [];
  const recycle: number[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    const started = performance.now();
    const service = await startService({ env: { FAKE_SCAN_DELAY_MS: '0' } });
    try {
      listening.push(performance.now() - started);
      ready.push(await waitUntilState(service.url, 'READY', started));
      const signalled = performance.now();
      service.child.kill('SIGUSR2');
      await waitUntilState(service.url, 'INIT', signalled);
      recycle.push(await waitUntilState(service.url, 'READY', signalled));
    } finally {
      await service.stop('SIGTERM');
      await service.cleanup();
    }
  }
  console.log(`Lifecycle, fake driver, ${RUNS} runs:`);
  console.log(`  process start -> listening: ${summary(listening)}`);
  console.log(`  process start -> READY:     ${summary(ready)}`);
  console.log(`  SIGUSR2 -> READY again:     ${summary(recycle)}\n`);
}
