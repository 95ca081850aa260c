// Real process trees (sh, sleep) started and ended by each test, read through /proc.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { commandLineIncludes, isAlive, killBrowserTree, processTree } from '../../shared/process-tree.js';
import { pollUntil, ProcessFixtures } from '../support/process-fixtures.js';

const MARKER = '/tmp/process-tree-test-profile';
// A shell that stays (a lone command may be exec'd over it), so the marker stays in the command line.
const KEEP_SHELL = 'sleep 30; :';

// Fields 3 (state) and 4 (parent pid) of /proc/<pid>/stat, read here independently of the module.
function stat(pid: number): { state: string; parent: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state = '', parent] = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state, parent: Number(parent) };
  } catch {
    return undefined;
  }
}

const stateOf = (pid: number): string | undefined => stat(pid)?.state;

describe('process-tree', function () {
  const fixtures = new ProcessFixtures();

  afterEach(() => fixtures.killAll());

  // A process that has exited but that its parent never waits for: `sleep 30` (exec'd over the shell)
  // never reaps the short sleep started before it.
  async function zombie(): Promise<number> {
    const parent = fixtures.start('sleep 0.3 & echo $!; exec sleep 30');
    const pid = await fixtures.firstNumber(parent);
    expect(await pollUntil(() => stateOf(pid), (state) => state === 'Z')).to.equal('Z');
    return pid;
  }

  describe('isAlive', function () {
    it('is true for a running process', function () {
      const child = fixtures.start('sleep 30');
      expect(isAlive(child.pid as number)).to.equal(true);
    });

    it('is false once the process has exited and was reaped', async function () {
      const child = fixtures.start('exit 0');
      await new Promise((resolve) => child.once('exit', resolve));
      expect(isAlive(child.pid as number)).to.equal(false);
    });

    it('is false for a zombie: it exited, only its parent has not read its status yet', async function () {
      expect(isAlive(await zombie())).to.equal(false);
    });
  });

  describe('commandLineIncludes', function () {
    it('finds a marker in any argument of the command line, and nothing else', function () {
      const child = fixtures.start(KEEP_SHELL, `--user-data-dir=${MARKER}`);
      expect(commandLineIncludes(child.pid as number, MARKER)).to.equal(true);
      expect(commandLineIncludes(child.pid as number, '/tmp/another-profile')).to.equal(false);
    });

    it('is false for a process that is gone', async function () {
      const child = fixtures.start('exit 0', MARKER);
      await new Promise((resolve) => child.once('exit', resolve));
      expect(commandLineIncludes(child.pid as number, MARKER)).to.equal(false);
    });
  });

  describe('processTree', function () {
    it('lists the root first, then its children and grandchildren, and no other process', async function () {
      const other = fixtures.start('sleep 30');
      // A child shell running a sleep (a grandchild), and a sleep of its own.
      const root = fixtures.start('sh -c "sleep 30; :" & sleep 30 & wait', MARKER);
      const rootPid = root.pid as number;
      const tree = await pollUntil(() => processTree(rootPid), (pids) => pids.length === 4);
      expect(tree).to.have.length(4);
      expect(tree[0]).to.equal(rootPid);
      expect(tree).not.to.include(other.pid);
      const parents = tree.slice(1).map((pid) => stat(pid)?.parent);
      for (const parent of parents) expect(tree).to.include(parent);
      expect(parents.filter((parent) => parent !== rootPid)).to.have.length(1);
    });
  });

  describe('killBrowserTree', function () {
    it('signals nothing when the pid no longer runs our browser (its command line does not name the profile)', async function () {
      const stranger = fixtures.start(KEEP_SHELL, '/tmp/someone-elses-profile');
      const result = await killBrowserTree(stranger.pid as number, MARKER, 200);
      expect(result).to.deep.equal({ signalled: [], forced: false, gone: true });
      expect(isAlive(stranger.pid as number)).to.equal(true);
    });

    it('ends politely a browser that stops its helpers on SIGTERM: no SIGKILL', async function () {
      // It prints once both helpers' pids are known to the trap.
      const root = fixtures.start("trap 'kill $a $b; exit 0' TERM; sleep 30 & a=$!; sleep 30 & b=$!; echo $b; wait", MARKER);
      await fixtures.firstNumber(root);
      const tree = processTree(root.pid as number);
      expect(tree).to.have.length(3);
      const result = await killBrowserTree(root.pid as number, MARKER, 3000);
      expect(result).to.deep.equal({ signalled: tree, forced: false, gone: true });
      expect(tree.filter(isAlive)).to.deep.equal([]);
    });

    it('SIGKILLs the whole tree after the grace period when the browser ignores SIGTERM', async function () {
      const root = fixtures.start("trap '' TERM; sleep 30 & sleep 30; :", MARKER);
      const tree = await pollUntil(() => processTree(root.pid as number), (pids) => pids.length === 3);
      const startedAt = Date.now();
      const result = await killBrowserTree(root.pid as number, MARKER, 300);
      expect(Date.now() - startedAt).to.be.at.least(300);
      expect(result).to.deep.equal({ signalled: tree, forced: true, gone: true });
      expect(tree.filter(isAlive)).to.deep.equal([]);
    });

    it('counts helpers that already exited (zombies) as gone: a polite SIGTERM is enough', async function () {
      // bash's exec -a keeps the marker in the command line of the sleep that replaces the shell.
      const root = fixtures.start('sleep 0.3 & echo $!; exec -a "sleep $0" sleep 30', MARKER, 'bash');
      const helper = await fixtures.firstNumber(root);
      await pollUntil(() => stateOf(helper), (state) => state === 'Z');
      expect(processTree(root.pid as number)).to.deep.equal([root.pid, helper]);
      const startedAt = Date.now();
      const result = await killBrowserTree(root.pid as number, MARKER, 3000);
      expect(result).to.deep.equal({ signalled: [root.pid, helper], forced: false, gone: true });
      expect(Date.now() - startedAt).to.be.below(1500);
    });
  });
});
