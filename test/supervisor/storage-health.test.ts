// What /health's `storage` says about the tenant's files, as journals report their writes: a failed write
// shows the file and the system's code, a probe clears it once the file can be written, nothing is lost.
import { mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { Journal, type OpenedJournal } from '../../supervisor/journal.js';
import { StorageHealth } from '../../supervisor/storage-health.js';
import { captureLogger, type CapturedLogger } from '../support/logger.js';
import { rejectionOf, until } from '../support/promises.js';

interface Row {
  n: number;
}

const parse = (value: object): Row | undefined => (typeof (value as Partial<Row>).n === 'number' ? (value as Row) : undefined);
const PROBE_MS = 20;

describe('storage health', function () {
  let dir: string;
  let file: string;
  let log: CapturedLogger;
  let storage: StorageHealth;

  const open = (durable = true): Promise<OpenedJournal<Row>> =>
    Journal.open({ file, what: 'test journal', logger: log.logger, parse, durable, storage });

  beforeEach(async function () {
    dir = await mkdtemp(path.join(os.tmpdir(), 'storage-health-'));
    file = path.join(dir, 'rows.jsonl');
    log = captureLogger();
    storage = new StorageHealth(log.logger, PROBE_MS);
  });

  afterEach(async function () {
    storage.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('says writable until a write fails, then names the file and the code, logged once', async function () {
    const { journal } = await open();
    const healthy = storage.health();
    expect(healthy).to.deep.equal({ writable: true, error: null });
    await journal.append({ n: 1 });
    expect(storage.health()).to.equal(healthy);

    await rm(file);
    await mkdir(file);
    expect(await rejectionOf(journal.append({ n: 2 }))).to.have.property('code', 'EISDIR');
    expect(await rejectionOf(journal.append({ n: 3 }))).to.have.property('code', 'EISDIR');
    const failing = storage.health();
    expect(failing.writable).to.equal(false);
    expect(failing.error).to.include({ file, code: 'EISDIR' });
    expect(Date.parse(failing.error?.since ?? '')).to.be.closeTo(Date.now(), 5000);
    const errors = log.lines().filter((line) => line.level === 'error');
    expect(errors.map((line) => [line.file, line.error_code])).to.deep.equal([[file, 'EISDIR']]);
  });

  it('clears by itself once the file can be written again, and the blank lines of the probes are skipped when read', async function () {
    const { journal } = await open();
    await journal.append({ n: 1 });
    await rm(file);
    await symlink('/dev/full', file);
    expect(await rejectionOf(journal.append({ n: 2 }))).to.have.property('code', 'ENOSPC');
    expect(storage.health().error).to.include({ code: 'ENOSPC' });
    // Probes keep failing while the disk is full.
    await new Promise((resolve) => setTimeout(resolve, PROBE_MS * 4));
    expect(storage.health().writable).to.equal(false);

    await rm(file);
    await until(() => storage.health().writable, 2000);
    expect(storage.health()).to.deep.equal({ writable: true, error: null });
    expect(log.lines().some((line) => line.message === 'A file of the tenant can be written again' && line.file === file)).to.equal(true);
    await journal.append({ n: 3 });
    expect((await readFile(file, 'utf8')).startsWith('\n')).to.equal(true);
    const reopened = await Journal.open({ file, what: 'test journal', logger: log.logger, parse });
    expect(reopened.records).to.deep.equal([{ n: 3 }]);
  });

  it('names the new cause when a failing file fails for another reason, keeping when it started', async function () {
    const { journal } = await open();
    await rm(dir, { recursive: true });
    expect(await rejectionOf(journal.append({ n: 1 }))).to.have.property('code', 'ENOENT');
    const first = storage.health().error;
    await mkdir(dir);
    await mkdir(file);
    await until(() => storage.health().error?.code === 'EISDIR', 2000);
    expect(storage.health().error?.since).to.equal(first?.since);
    expect(log.lines().filter((line) => line.level === 'error').map((line) => line.error_code)).to.deep.equal(['ENOENT', 'EISDIR']);
  });

  it('stops probing once stopped', async function () {
    const { journal } = await open(false);
    await rm(dir, { recursive: true });
    await rejectionOf(journal.append({ n: 1 }));
    storage.stop();
    await mkdir(dir);
    await new Promise((resolve) => setTimeout(resolve, PROBE_MS * 5));
    expect(storage.health().writable).to.equal(false);
  });

  it('keeps a durable journal readable across compactions, with no temporary file left', async function () {
    const { journal } = await open();
    for (let n = 0; n < 5; n += 1) await journal.append({ n });
    await journal.compact(() => [{ n: 4 }]);
    await journal.append({ n: 5 });
    const reopened = await open();
    expect(reopened.records).to.deep.equal([{ n: 4 }, { n: 5 }]);
    expect(await rejectionOf(readFile(`${file}.tmp`))).to.have.property('code', 'ENOENT');
  });
});
