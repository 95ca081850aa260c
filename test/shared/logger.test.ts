import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import type { LogFormat } from '../../shared/config.js';
import { createLogger, describeError, formatPretty, resolveLogFormat } from '../../shared/logger.js';
import { SUPERVISOR_ENTRY } from '../support/service-process.js';

// Logs one info line with fields through a real winston logger and returns what it wrote.
async function writeOne(format: LogFormat | undefined, isTty: boolean): Promise<string> {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  const logger = createLogger({ component: 'worker', clienteId: 51, level: 'info', stream, isTty, ...(format ? { format } : {}) });
  logger.info('Worker started', { driver: 'fake', session_dir: '/srv/sessions/cliente_51', note: 'two words' });
  await new Promise((resolve) => setImmediate(resolve));
  return chunks.join('');
}

const PRETTY_LINE = new RegExp(
  `^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  worker\\[${process.pid}\\] Worker started driver=fake session_dir=/srv/sessions/cliente_51 note="two words"\\n$`,
);

describe('logger', function () {
  describe('resolveLogFormat', function () {
    it('picks pretty on a terminal and JSON elsewhere when auto', function () {
      expect(resolveLogFormat('auto', true)).to.equal('pretty');
      expect(resolveLogFormat('auto', false)).to.equal('json');
    });

    it('keeps a forced format whatever the output is', function () {
      expect(resolveLogFormat('json', true)).to.equal('json');
      expect(resolveLogFormat('pretty', false)).to.equal('pretty');
    });
  });

  describe('pretty', function () {
    it('writes one line: time, level, process and pid, message, then key=value fields', async function () {
      expect(await writeOne('pretty', false)).to.match(PRETTY_LINE);
    });

    it('quotes values with spaces, writes objects as JSON and leaves out undefined ones', function () {
      const line = formatPretty({
        level: 'warn', message: 'Restarting', timestamp: '2026-01-01T12:00:00.000Z', component: 'supervisor', pid: 7, cliente_id: 51,
        why: 'the worker exited (signal SIGKILL)', delay_ms: 1000, detail: { a: 1 }, gone: undefined, reason: null,
      });
      expect(line).to.equal('12:00:00.000 WARN  supervisor[7] Restarting why="the worker exited (signal SIGKILL)" delay_ms=1000 detail={"a":1} reason=null');
    });

    it('puts a stack on indented lines after the event', function () {
      const error = new Error('boom');
      const line = formatPretty({ level: 'error', message: 'Failed', timestamp: '2026-01-01T12:00:00.000Z', component: 'worker', ...describeError(error) });
      const [head, ...rest] = line.split('\n');
      expect(head).to.equal('12:00:00.000 ERROR worker Failed error=boom error_name=Error');
      expect(rest[0]).to.equal('    Error: boom');
      expect(rest.slice(1).every((part) => part.startsWith('        at ') || part.startsWith('    '))).to.equal(true);
    });

    it('colours the level only on a terminal', function () {
      const info = { level: 'error', message: 'x', timestamp: '2026-01-01T12:00:00.000Z', component: 'worker' };
      expect(formatPretty(info, true)).to.contain('\u001b[31mERROR\u001b[0m');
      expect(formatPretty(info, false)).not.to.contain('\u001b[');
    });
  });

  describe('json', function () {
    it('writes one JSON object per line when forced, even on a terminal', async function () {
      const text = await writeOne('json', true);
      expect(text.endsWith('\n')).to.equal(true);
      expect(JSON.parse(text)).to.include({ level: 'info', message: 'Worker started', component: 'worker', cliente_id: 51, pid: process.pid, driver: 'fake' });
    });

    it('is what auto writes when the output is not a terminal', async function () {
      expect(JSON.parse(await writeOne('auto', false))).to.include({ message: 'Worker started' });
      expect(JSON.parse(await writeOne(undefined, false))).to.include({ message: 'Worker started' });
    });

    it('is replaced by the pretty line when auto writes to a terminal', async function () {
      const line = await writeOne('auto', true);
      expect(line.replace(/\u001b\[\d+m/g, '')).to.match(PRETTY_LINE);
    });
  });

  describe('in the real service', function () {
    it('has both processes write pretty lines with LOG_FORMAT=pretty (the worker shares the stdout)', async function () {
      const sessionsDir = await mkdtemp(path.join(os.tmpdir(), 'sm-logfmt-'));
      const child = spawn(process.execPath, [SUPERVISOR_ENTRY], {
        env: { PATH: process.env.PATH ?? '', CLIENTE_ID: '51', PORT: '0', WA_DRIVER: 'fake', FAKE_SCAN_DELAY_MS: '0', SESSIONS_DIR: sessionsDir, LOG_FORMAT: 'pretty' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let output = '';
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no worker line within 15 s; got: ${output.slice(-500)}`)), 15_000);
          child.stdout.on('data', (chunk: Buffer) => {
            output += chunk.toString('utf8');
            if (/ INFO  worker\[\d+\] Worker started /.test(output) && / INFO  supervisor\[\d+\] WhatsApp state state=READY/.test(output)) {
              clearTimeout(timer);
              resolve();
            }
          });
        });
        expect(output).to.match(/ INFO  supervisor\[\d+\] Listening url=http:\/\/127\.0\.0\.1:\d+ /);
        expect(output.split('\n').some((line) => line.startsWith('{'))).to.equal(false);
      } finally {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
        await rm(sessionsDir, { recursive: true, force: true });
      }
    });
  });
});
