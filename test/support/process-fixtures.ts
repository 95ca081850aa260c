// Real little process trees for the process-tree and profile-lock tests: shell scripts started detached
// (their own process group, as puppeteer starts Chromium), every one ended by killAll() after the test.
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

export class ProcessFixtures {
  readonly #children: ChildProcess[] = [];

  // Runs `script` in `shell`; `marker` is its $0, so the root's command line names it.
  start(script: string, marker = 'no-marker', shell: 'sh' | 'bash' = 'sh'): ChildProcess {
    return this.run(shell, ['-c', script, marker]);
  }

  // Any program, started and ended the same way (e.g. a real Chromium).
  run(command: string, args: readonly string[]): ChildProcess {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    this.#children.push(child);
    return child;
  }

  // The first line the script prints (e.g. `echo $!`), as a number.
  async firstNumber(child: ChildProcess): Promise<number> {
    const stdout = child.stdout;
    if (!stdout) throw new Error('The fixture has no stdout');
    let text = '';
    for await (const chunk of stdout) {
      text += String(chunk);
      if (text.includes('\n')) break;
    }
    const value = Number(text.split('\n')[0]);
    if (!Number.isSafeInteger(value)) throw new Error(`The fixture printed ${JSON.stringify(text)}, not a number`);
    return value;
  }

  // SIGKILL to each fixture's process group (its background jobs stay in it), then waits for the roots.
  async killAll(): Promise<void> {
    for (const child of this.#children.splice(0)) {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The whole group is gone already (ESRCH).
      }
      if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once('exit', resolve));
    }
  }
}

// Polls `read` until `done` holds for its value, for at most timeoutMs; returns the last value either way.
export async function pollUntil<T>(read: () => T, done: (value: T) => boolean, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = read();
  while (!done(value) && Date.now() < deadline) {
    await sleep(20);
    value = read();
  }
  return value;
}
