// The copies of the saved login: whole or not at all, the newest N kept, never taken while written to,
// and put back part by part.
import { appendFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { LoginFiles } from '../../../shared/session-layout.js';
import { listSnapshots, restoreSnapshot, takeSnapshot } from '../../../worker/login/snapshots.js';

describe('login snapshots', () => {
  let dir: string;
  let files: LoginFiles;
  let snapshots: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sm-snapshots-'));
    files = { root: path.join(dir, 'profile'), parts: ['Default/IndexedDB', 'Default/Local Storage'] };
    snapshots = path.join(dir, 'login-snapshots');
    await mkdir(path.join(files.root, 'Default/IndexedDB/db'), { recursive: true });
    await mkdir(path.join(files.root, 'Default/Local Storage/leveldb'), { recursive: true });
    await mkdir(path.join(files.root, 'Default/Cache'), { recursive: true });
    await writeFile(path.join(files.root, 'Default/IndexedDB/db/000003.log'), 'keys-v1');
    await writeFile(path.join(files.root, 'Default/Local Storage/leveldb/CURRENT'), 'token-v1');
    await writeFile(path.join(files.root, 'Default/Cache/data_0'), 'x'.repeat(1000));
  });

  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('copies only the login parts, and keeps the newest generations by time', async () => {
    const times = ['2026-12-01T10:00:00.000Z', '2026-12-01T11:00:00.000Z', '2026-12-01T12:00:00.000Z'];
    for (const at of times) expect(await takeSnapshot(files, snapshots, 2, 'ready', new Date(at))).to.include({ files: 2, bytes: 15 });
    const kept = await listSnapshots(snapshots);
    expect(kept).to.deep.equal(['2026-12-01T11-00-00.000Z-ready', '2026-12-01T12-00-00.000Z-ready']);
    const newest = path.join(snapshots, kept[1] as string);
    expect(await readFile(path.join(newest, 'Default/IndexedDB/db/000003.log'), 'utf8')).to.equal('keys-v1');
    expect(await readdir(path.join(newest, 'Default'))).to.have.members(['IndexedDB', 'Local Storage']);
  });

  it('takes nothing when there is no login to copy', async () => {
    await rm(path.join(files.root, 'Default'), { recursive: true });
    expect(await takeSnapshot(files, snapshots, 3, 'ready')).to.equal(undefined);
    expect(await listSnapshots(snapshots)).to.deep.equal([]);
  });

  it('throws the copy away when the files change while it is taken', async () => {
    // A browser still writing: a file grows every millisecond for the whole copy.
    for (let index = 0; index < 200; index += 1) await writeFile(path.join(files.root, `Default/IndexedDB/db/${index}.ldb`), 'y'.repeat(4096));
    const log = path.join(files.root, 'Default/IndexedDB/db/000003.log');
    const writer = setInterval(() => appendFileSync(log, 'more'), 1);
    try {
      expect(await takeSnapshot(files, snapshots, 3, 'ready')).to.equal(undefined);
    } finally {
      clearInterval(writer);
    }
    expect(await readdir(snapshots)).to.deep.equal([]);
  });

  it('ignores and removes copies a crash cut short', async () => {
    await mkdir(path.join(snapshots, '.tmp-deadbeef/Default'), { recursive: true });
    expect(await listSnapshots(snapshots)).to.deep.equal([]);
    await takeSnapshot(files, snapshots, 3, 'close');
    const names = await readdir(snapshots);
    expect(names).to.have.length(1);
    expect(names[0]).to.match(/-close$/);
  });

  it('restores the parts of a snapshot, and removes parts it did not have', async () => {
    const taken = await takeSnapshot(files, snapshots, 3, 'ready');
    await rm(path.join(files.root, 'Default/Local Storage'), { recursive: true });
    await writeFile(path.join(files.root, 'Default/IndexedDB/db/000003.log'), 'damaged');
    await writeFile(path.join(files.root, 'Default/IndexedDB/db/stray.ldb'), 'stray');
    await restoreSnapshot(files, snapshots, taken?.name as string);
    expect(await readFile(path.join(files.root, 'Default/Local Storage/leveldb/CURRENT'), 'utf8')).to.equal('token-v1');
    expect(await readdir(path.join(files.root, 'Default/IndexedDB/db'))).to.deep.equal(['000003.log']);
    expect(await readFile(path.join(files.root, 'Default/IndexedDB/db/000003.log'), 'utf8')).to.equal('keys-v1');
    // The rest of the profile is not the snapshot's business.
    expect(await readdir(path.join(files.root, 'Default'))).to.have.members(['Cache', 'IndexedDB', 'Local Storage']);
  });
});
