// The HTTP benchmark's load generators: which one runs, what their scripts say, and how their reports
// are read; a run with any answer that is not 2xx fails loudly.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { parseAutocannonOutput } from '../../../bench/support/autocannon-cli.js';
import { pickLoadTool, validateLoadRequest } from '../../../bench/support/load-generator.js';
import { luaString, parseWrkOutput, wrkScript } from '../../../bench/support/wrk.js';

const WRK_SUMMARY = {
  requests: 20_000,
  bytes: 7_000_000,
  duration_us: 2_000_000,
  connect: 0,
  read: 0,
  write: 0,
  status: 0,
  timeout: 0,
  mean_us: 1500,
  p50_us: 1200,
  p99_us: 6000,
};

const wrkOutput = (summary: Record<string, number>): string => `Running 2s test @ http://127.0.0.1:1/status\n\nWRK_JSON ${JSON.stringify(summary)}\n`;

const AUTOCANNON_RESULT = { duration: 2, errors: 0, timeouts: 0, non2xx: 0, '2xx': 8000, latency: { mean: 3, p50: 2, p99: 9 }, throughput: { total: 2_800_000 } };

describe('load generator', () => {
  describe('pickLoadTool', () => {
    it('takes wrk when it is on PATH and autocannon otherwise', async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'sm-path-'));
      try {
        await writeFile(path.join(dir, 'wrk'), '#!/bin/sh\n', { mode: 0o755 });
        expect(pickLoadTool({ PATH: `/nowhere${path.delimiter}${dir}` })).to.equal('wrk');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      expect(pickLoadTool({ PATH: '/nowhere' })).to.equal('autocannon');
      expect(pickLoadTool({ PATH: '/nowhere', BENCH_LOAD_GENERATOR: 'autocannon' })).to.equal('autocannon');
    });

    it('refuses an unknown BENCH_LOAD_GENERATOR, and wrk when there is none', () => {
      expect(() => pickLoadTool({ BENCH_LOAD_GENERATOR: 'ab' })).to.throw(/BENCH_LOAD_GENERATOR to be one of wrk, autocannon, got "ab"/);
      expect(() => pickLoadTool({ PATH: '/nowhere', BENCH_LOAD_GENERATOR: 'wrk' })).to.throw(/no wrk on PATH/);
    });
  });

  describe('validateLoadRequest', () => {
    const valid = { url: 'http://127.0.0.1:8080/health', method: 'GET', connections: 32, seconds: 1 } as const;

    it('sends load to 127.0.0.1 only, for a bounded time', () => {
      expect(() => validateLoadRequest(valid)).not.to.throw();
      expect(() => validateLoadRequest({ ...valid, url: 'http://example.com/health' })).to.throw(/127\.0\.0\.1 only/);
      expect(() => validateLoadRequest({ ...valid, seconds: 600 })).to.throw(/seconds to be an integer from 1 to 120/);
      expect(() => validateLoadRequest({ ...valid, connections: 0 })).to.throw(/connections to be a positive integer/);
    });
  });

  describe('wrk', () => {
    it('writes any bytes as a Lua string with three-digit escapes, so a digit after one stays a digit', () => {
      expect(luaString('a"5\\\n9é')).to.equal('"a\\0345\\092\\0109\\195\\169"');
    });

    it('sets the method and body in its script only when there is a body', () => {
      expect(wrkScript({ method: 'GET' })).to.include('wrk.method = "GET"').and.not.include('wrk.body');
      expect(wrkScript({ method: 'POST', body: '{}' })).to.include('wrk.body = "{}"');
    });

    it('reads requests per second, bytes and latency in ms from its summary line', () => {
      const result = parseWrkOutput('wrk GET /status', wrkOutput(WRK_SUMMARY));
      expect(result).to.deep.equal({ requests: 20_000, bytes: 7_000_000, rps: 10_000, latencyMs: { mean: 1.5, p50: 1.2, p99: 6 } });
    });

    it('fails naming each kind of failure when some answers were 400 or more, or requests failed', () => {
      const output = wrkOutput({ ...WRK_SUMMARY, status: 3, timeout: 2 });
      expect(() => parseWrkOutput('wrk GET /status', output)).to.throw(/wrk GET \/status: 3 answers of 400 or more, 2 timeouts; every answer must be 2xx/);
    });

    it('fails when there is no summary line, with what wrk printed on stderr', () => {
      expect(() => parseWrkOutput('wrk GET /status', 'Running...\n', 'script.lua:2: invalid escape')).to.throw(/no summary; stderr: script\.lua:2/);
    });
  });

  describe('autocannon CLI', () => {
    it('reads 2xx answers per second, bytes and latency from its JSON', () => {
      const result = parseAutocannonOutput('autocannon GET /health', `${JSON.stringify(AUTOCANNON_RESULT)}\n`);
      expect(result).to.deep.equal({ requests: 8000, bytes: 2_800_000, rps: 4000, latencyMs: { mean: 3, p50: 2, p99: 9 } });
    });

    it('fails when any answer was not 2xx', () => {
      const output = JSON.stringify({ ...AUTOCANNON_RESULT, non2xx: 7 });
      expect(() => parseAutocannonOutput('autocannon GET /health', output)).to.throw(/7 non-2xx answers; every answer must be 2xx/);
    });
  });
});
