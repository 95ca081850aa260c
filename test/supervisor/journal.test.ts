import { lstat, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { Journal, type OpenedJournal } from '../../supervisor/journal.js';
import { StorageHealth } from '../../supervisor/storage-health.js';
import { captureLogger, type CapturedLogger } from '../support/logger.js';
import { rejectionOf } from '../support/promises.js';

interface Row {
  n: number;
}

const parse = (value: object): Row | undefined => (typeof (value as Partial<Row>).n === 'number' ? (value as Row) : undefined);

describe('journal', function () {
  let dir: string;
  let file: string;
  let log: CapturedLogger;

  const open = (): Promise<OpenedJournal<Row>> => Journal.open({ file, what: 'test journal', logger: log.logger, parse });

  async function text(): Promise<string> {
    return readFile(file, 'utf8');
  }

  beforeEach(async function () {
    dir = await mkdtemp(path.join(os.tmpdir(), 'journal-'));
    file = path.join(dir, 'nested', 'rows.jsonl');
    log = captureLogger();
  });

  afterEach(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  it('opens a missing file as empty, creating its folder', async function () {
    const { journal, records } = await open();
    expect(records).to.deep.equal([]);
    expect(journal.lines).to.equal(0);
    await journal.append({ n: 1 });
    expect(await text()).to.equal('{"n":1}\n');
  });

  it('gives back every appended record in order after reopening', async function () {
    const { journal } = await open();
    await Promise.all(Array.from({ length: 50 }, (_, n) => journal.append({ n })));
    const reopened = await open();
    expect(reopened.records.map((row) => row.n)).to.deep.equal(Array.from({ length: 50 }, (_, n) => n));
    expect(reopened.journal.lines).to.equal(50);
  });

  it('skips lines that are not records, with one warning naming the file and the count', async function () {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, '{"n":1}\nnot json\n{"n":\n[1]\nnull\n{"m":2}\n\n{"n":3}\n');
    const { records } = await open();
    expect(records).to.deep.equal([{ n: 1 }, { n: 3 }]);
    const warned = log.lines().filter((line) => line.level === 'warn');
    expect(warned.map((line) => [line.message, line.file, line.lines])).to.deep.equal([['Ignored unreadable lines of the test journal', file, 5]]);
  });

  it('starts the record after a failed append on a fresh line, so half a line costs only itself', async function () {
    const { journal } = await open();
    await journal.append({ n: 1 });
    await rm(file);
    await mkdir(file);
    expect(await rejectionOf(journal.append({ n: 2 }))).to.have.property('code', 'EISDIR');
    await rm(file, { recursive: true });
    // What a write cut short leaves: the start of a line, no newline.
    await writeFile(file, '{"n":1}\n{"n":2');
    await journal.append({ n: 3 });
    expect(await text()).to.equal('{"n":1}\n{"n":2\n{"n":3}\n');
    expect((await open()).records).to.deep.equal([{ n: 1 }, { n: 3 }]);
  });

  it('writes records appended during a write together in the next one, in order, and fails all of a failed write', async function () {
    const { journal } = await open();
    const first = journal.append({ n: 0 });
    await rm(path.dirname(file), { recursive: true });
    await mkdir(file, { recursive: true });
    const batch = [1, 2, 3].map((n) => journal.append({ n }));
    await first.catch(() => undefined);
    const outcomes = await Promise.all(batch.map((write) => rejectionOf(write)));
    expect(outcomes.map((error) => (error as NodeJS.ErrnoException).code)).to.deep.equal(['EISDIR', 'EISDIR', 'EISDIR']);
    await rm(file, { recursive: true });
    await Promise.all([4, 5, 6].map((n) => journal.append({ n })));
    expect((await open()).records.map((row) => row.n)).to.deep.equal([4, 5, 6]);
  });

  it('compacts to the live records read after the appends before it, through a temporary file', async function () {
    const { journal } = await open();
    const live: Row[] = [];
    for (let n = 0; n < 10; n += 1) void journal.append({ n });
    live.push({ n: 7 });
    const compacted = journal.compact(() => live);
    live.push({ n: 9 });
    await compacted;
    expect(await text()).to.equal('{"n":7}\n{"n":9}\n');
    expect(journal.lines).to.equal(2);
    await journal.append({ n: 10 });
    expect((await open()).records.map((row) => row.n)).to.deep.equal([7, 9, 10]);
  });

  it('compacts in the background only once the file is well past twice the live count', async function () {
    const { journal } = await open();
    for (let n = 0; n < 1002; n += 1) void journal.append({ n });
    journal.compactIfGrown(1, () => [{ n: 0 }]);
    await journal.flush();
    expect(journal.lines).to.equal(1002);
    void journal.append({ n: 1002 });
    journal.compactIfGrown(1, () => [{ n: 1002 }]);
    await journal.flush();
    expect(await text()).to.equal('{"n":1002}\n');
  });

  it('logs a background compaction that fails, with its cause, and keeps every record', async function () {
    const { journal } = await open();
    for (let n = 0; n < 1001; n += 1) void journal.append({ n });
    await mkdir(`${file}.tmp`);
    journal.compactIfGrown(0, () => []);
    await journal.flush();
    const errors = log.lines().filter((line) => line.level === 'error');
    expect(errors.map((line) => [line.message, line.file, line.error_code])).to.deep.equal([
      ['Could not compact the test journal; it keeps growing until this works', file, 'EISDIR'],
    ]);
    expect((await open()).records).to.have.length(1001);
  });

  it('keeps appending after a failed compaction', async function () {
    const { journal } = await open();
    await mkdir(`${file}.tmp`);
    await rejectionOf(journal.compact(() => []));
    await journal.append({ n: 1 });
    expect((await open()).records).to.deep.equal([{ n: 1 }]);
  });

  it('starts the next record on a fresh line when the file it opens ends in half a line (a power cut mid-append)', async function () {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, '{"n":1}\n{"n":2');
    const { journal, records } = await open();
    expect(records).to.deep.equal([{ n: 1 }]);
    await journal.append({ n: 3 });
    expect(await text()).to.equal('{"n":1}\n{"n":2\n{"n":3}\n');
    expect((await open()).records).to.deep.equal([{ n: 1 }, { n: 3 }]);
  });

  it('removes the temporary file of a compaction the disk cut short, and keeps the file as it was', async function () {
    const { journal } = await open();
    await journal.append({ n: 1 });
    await symlink('/dev/full', `${file}.tmp`);
    expect(await rejectionOf(journal.compact(() => [{ n: 1 }]))).to.have.property('code', 'ENOSPC');
    expect(await rejectionOf(lstat(`${file}.tmp`))).to.have.property('code', 'ENOENT');
    expect((await open()).records).to.deep.equal([{ n: 1 }]);
  });

  it('starts when the compaction at opening fails (a full disk): logged, reported to the storage health, every record kept', async function () {
    const storage = new StorageHealth(log.logger, 60_000);
    const { journal } = await Journal.open({ file, what: 'test journal', logger: log.logger, parse, storage });
    await journal.append({ n: 1 });
    await symlink('/dev/full', `${file}.tmp`);
    await journal.compactAtOpen(() => [{ n: 1 }]);
    storage.stop();
    expect(storage.health().error).to.include({ file, code: 'ENOSPC' });
    const errors = log.lines().filter((line) => line.level === 'error').map((line) => line.message);
    expect(errors[0]).to.equal('Could not compact the test journal at start-up; it keeps every record');
    expect((await open()).records).to.deep.equal([{ n: 1 }]);
  });
});
