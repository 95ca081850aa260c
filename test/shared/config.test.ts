import path from 'node:path';
import { expect } from 'chai';
import { ConfigError, LOG_FORMATS, LOG_LEVELS, Required, SETTINGS, loadConfig, type Config, type Env, type Setting } from '../../shared/config.js';

const CWD = path.resolve('/srv/session-manager');

// Loads a valid configuration for tenant 51 with `env` laid over it.
function load(env: Env = {}): Config {
  return loadConfig({ CLIENTE_ID: '51', ...env }, CWD);
}

// The lines of the ConfigError that `env` must raise.
function problemsOf(env: Env): readonly string[] {
  try {
    loadConfig(env, CWD);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return expect.fail(`expected a ConfigError for ${JSON.stringify(env)}`);
}

// Asserts `env` (over a valid CLIENTE_ID unless it sets its own) is refused with exactly one line, naming `name`.
function expectOneProblem(env: Env, name: string, form: string): string {
  const problems = problemsOf({ CLIENTE_ID: '51', ...env });
  expect(problems).to.have.length(1);
  const [line = ''] = problems;
  expect(line.startsWith(`${name} `), line).to.equal(true);
  expect(line).to.contain(form);
  return line;
}

describe('config', function () {
  describe('SETTINGS', function () {
    const rows: readonly [string, Setting][] = Object.entries(SETTINGS);

    it('fills each Config field from exactly one variable', function () {
      const keys = rows.map(([, row]) => row.key);
      expect(new Set(keys).size).to.equal(keys.length);
      expect(keys).to.have.members(Object.keys(load()));
    });

    it('gives every setting a default its own reader accepts, so a default is never out of bounds', function () {
      for (const [name, row] of rows) {
        if (row.default === undefined || row.default instanceof Required) continue;
        const raw = typeof row.default === 'string' ? row.default : JSON.stringify(row.default);
        expect(row.read(raw), name).to.deep.equal(row.default);
      }
    });
  });

  describe('loadConfig', function () {
    it('fills every optional variable with its documented default', function () {
      expect(load()).to.deep.equal({
        clienteId: 51,
        port: 3001,
        host: '127.0.0.1',
        sessionsDir: path.join(CWD, 'sessions'),
        chromePath: undefined,
        chromeArgs: [],
        driver: 'whatsapp-web.js',
        fakeScanDelayMs: 3000,
        fakeQrRotateMs: 20_000,
        fakeDeliveryDelayMs: 1000,
        apiToken: undefined,
        logLevel: 'info',
        logFormat: 'auto',
        callTimeoutMs: 15_000,
        sendTimeoutMs: 60_000,
        shutdownGraceMs: 10_000,
        heartbeatIntervalMs: 10_000,
        heartbeatTimeoutMs: 5000,
        initTimeoutMs: 300_000,
        linkLostTimeoutMs: 120_000,
        restartMaxFailures: 10,
        restartWindowMs: 900_000,
        crashLoopRetryMs: 300_000,
        memoryLimitMb: 2048,
        loginSnapshots: 3,
        maxPendingCalls: 100,
        sendMinIntervalMs: 0,
        sendQueueMax: 100,
        idempotencyTtlMs: 86_400_000,
        messageStatusTtlMs: 604_800_000,
        messageStatusMax: 50_000,
        webhookUrl: undefined,
        webhookSecret: undefined,
        webhookQueueMax: 10_000,
        webhookTimeoutMs: 10_000,
        webhookRetryMaxMs: 300_000,
      });
    });

    it('reads every variable when all are set to valid values', function () {
      const config = load({
        CLIENTE_ID: '7',
        PORT: '8080',
        HOST: '0.0.0.0',
        SESSIONS_DIR: '/var/lib/sessions',
        CHROME_PATH: '/opt/chrome/chrome',
        CHROME_ARGS: '["--lang=es"]',
        WA_DRIVER: 'fake',
        FAKE_SCAN_DELAY_MS: '0',
        FAKE_QR_ROTATE_MS: '500',
        FAKE_DELIVERY_DELAY_MS: '250',
        API_TOKEN: 's3cr3t-Token_1',
        LOG_LEVEL: 'debug',
        LOG_FORMAT: 'json',
        CALL_TIMEOUT_MS: '2000',
        SEND_TIMEOUT_MS: '90000',
        SHUTDOWN_GRACE_MS: '5000',
        HEARTBEAT_INTERVAL_MS: '2000',
        HEARTBEAT_TIMEOUT_MS: '1000',
        INIT_TIMEOUT_MS: '60000',
        LINK_LOST_TIMEOUT_MS: '30000',
        RESTART_MAX_FAILURES: '3',
        RESTART_WINDOW_MS: '60000',
        CRASH_LOOP_RETRY_MS: '0',
        MEMORY_LIMIT_MB: '1500',
        LOGIN_SNAPSHOTS: '0',
        MAX_PENDING_CALLS: '7',
        SEND_MIN_INTERVAL_MS: '1500',
        SEND_QUEUE_MAX: '20',
        IDEMPOTENCY_TTL_MS: '3600000',
        MESSAGE_STATUS_TTL_MS: '120000',
        MESSAGE_STATUS_MAX: '10',
        WEBHOOK_URL: 'https://hub.example.com:8443/hooks/wa?tenant=7',
        WEBHOOK_SECRET: 'a secret with spaces',
        WEBHOOK_QUEUE_MAX: '5',
        WEBHOOK_TIMEOUT_MS: '2500',
        WEBHOOK_RETRY_MAX_MS: '60000',
      });
      expect(config).to.deep.equal({
        clienteId: 7,
        port: 8080,
        host: '0.0.0.0',
        sessionsDir: path.resolve('/var/lib/sessions'),
        chromePath: '/opt/chrome/chrome',
        chromeArgs: ['--lang=es'],
        driver: 'fake',
        fakeScanDelayMs: 0,
        fakeQrRotateMs: 500,
        fakeDeliveryDelayMs: 250,
        apiToken: 's3cr3t-Token_1',
        logLevel: 'debug',
        logFormat: 'json',
        callTimeoutMs: 2000,
        sendTimeoutMs: 90_000,
        shutdownGraceMs: 5000,
        heartbeatIntervalMs: 2000,
        heartbeatTimeoutMs: 1000,
        initTimeoutMs: 60_000,
        linkLostTimeoutMs: 30_000,
        restartMaxFailures: 3,
        restartWindowMs: 60_000,
        crashLoopRetryMs: 0,
        memoryLimitMb: 1500,
        loginSnapshots: 0,
        maxPendingCalls: 7,
        sendMinIntervalMs: 1500,
        sendQueueMax: 20,
        idempotencyTtlMs: 3_600_000,
        messageStatusTtlMs: 120_000,
        messageStatusMax: 10,
        webhookUrl: 'https://hub.example.com:8443/hooks/wa?tenant=7',
        webhookSecret: 'a secret with spaces',
        webhookQueueMax: 5,
        webhookTimeoutMs: 2500,
        webhookRetryMaxMs: 60_000,
      });
    });

    it('treats an empty variable as unset', function () {
      const config = load({ PORT: '', HOST: '', CHROME_ARGS: '', API_TOKEN: '', WA_DRIVER: '' });
      expect(config.port).to.equal(3001);
      expect(config.host).to.equal('127.0.0.1');
      expect(config.chromeArgs).to.deep.equal([]);
      expect(config.apiToken).to.equal(undefined);
      expect(config.driver).to.equal('whatsapp-web.js');
    });

    it('returns a frozen configuration, chromeArgs included', function () {
      const config = load({ CHROME_ARGS: '["--lang=es"]' });
      expect(Object.isFrozen(config)).to.equal(true);
      expect(Object.isFrozen(config.chromeArgs)).to.equal(true);
      expect(Reflect.set(config, 'clienteId', 52)).to.equal(false);
      expect(config.clienteId).to.equal(51);
    });
  });

  describe('CLIENTE_ID', function () {
    it('accepts a positive integer', function () {
      expect(load({ CLIENTE_ID: '51' }).clienteId).to.equal(51);
      expect(load({ CLIENTE_ID: '9007199254740991' }).clienteId).to.equal(Number.MAX_SAFE_INTEGER);
    });

    for (const env of [{}, { CLIENTE_ID: '' }]) {
      it(`refuses to start when CLIENTE_ID is ${'CLIENTE_ID' in env ? 'empty' : 'missing'}, saying it is required`, function () {
        const problems = problemsOf(env);
        expect(problems).to.have.length(1);
        expect(problems[0]).to.match(/^CLIENTE_ID is required/).and.to.contain('positive integer');
      });
    }

    // Each would make a folder name that is not cliente_<positive integer>.
    for (const raw of ['abc', '../x', '0', '-1', '051', '1.5', '1e3', ' 51', '51\n', '9007199254740993', '99999999999999999999']) {
      it(`refuses CLIENTE_ID=${JSON.stringify(raw)} with one line naming the variable and the expected form`, function () {
        const line = expectOneProblem({ CLIENTE_ID: raw }, 'CLIENTE_ID', 'a positive integer (e.g. 51)');
        expect(line).to.contain(JSON.stringify(raw));
      });
    }
  });

  describe('numeric settings', function () {
    const RANGES: readonly { name: string; key: keyof Config; min: number; max: number }[] = [
      { name: 'PORT', key: 'port', min: 0, max: 65_535 },
      { name: 'FAKE_SCAN_DELAY_MS', key: 'fakeScanDelayMs', min: 0, max: 3_600_000 },
      { name: 'FAKE_QR_ROTATE_MS', key: 'fakeQrRotateMs', min: 100, max: 3_600_000 },
      { name: 'CALL_TIMEOUT_MS', key: 'callTimeoutMs', min: 100, max: 600_000 },
      { name: 'SEND_TIMEOUT_MS', key: 'sendTimeoutMs', min: 100, max: 600_000 },
      { name: 'SHUTDOWN_GRACE_MS', key: 'shutdownGraceMs', min: 0, max: 600_000 },
      { name: 'HEARTBEAT_INTERVAL_MS', key: 'heartbeatIntervalMs', min: 100, max: 600_000 },
      { name: 'HEARTBEAT_TIMEOUT_MS', key: 'heartbeatTimeoutMs', min: 100, max: 600_000 },
      { name: 'INIT_TIMEOUT_MS', key: 'initTimeoutMs', min: 1000, max: 3_600_000 },
      { name: 'LINK_LOST_TIMEOUT_MS', key: 'linkLostTimeoutMs', min: 1000, max: 86_400_000 },
      { name: 'FAKE_DELIVERY_DELAY_MS', key: 'fakeDeliveryDelayMs', min: 0, max: 3_600_000 },
      { name: 'RESTART_MAX_FAILURES', key: 'restartMaxFailures', min: 1, max: 1000 },
      { name: 'RESTART_WINDOW_MS', key: 'restartWindowMs', min: 1000, max: 86_400_000 },
      { name: 'CRASH_LOOP_RETRY_MS', key: 'crashLoopRetryMs', min: 0, max: 86_400_000 },
      { name: 'MEMORY_LIMIT_MB', key: 'memoryLimitMb', min: 0, max: 1_000_000 },
      { name: 'LOGIN_SNAPSHOTS', key: 'loginSnapshots', min: 0, max: 20 },
      { name: 'MAX_PENDING_CALLS', key: 'maxPendingCalls', min: 1, max: 100_000 },
      { name: 'SEND_MIN_INTERVAL_MS', key: 'sendMinIntervalMs', min: 0, max: 3_600_000 },
      { name: 'SEND_QUEUE_MAX', key: 'sendQueueMax', min: 1, max: 100_000 },
      { name: 'IDEMPOTENCY_TTL_MS', key: 'idempotencyTtlMs', min: 60_000, max: 2_592_000_000 },
      { name: 'MESSAGE_STATUS_TTL_MS', key: 'messageStatusTtlMs', min: 60_000, max: 7_776_000_000 },
      { name: 'MESSAGE_STATUS_MAX', key: 'messageStatusMax', min: 1, max: 1_000_000 },
      { name: 'WEBHOOK_QUEUE_MAX', key: 'webhookQueueMax', min: 1, max: 1_000_000 },
      { name: 'WEBHOOK_TIMEOUT_MS', key: 'webhookTimeoutMs', min: 100, max: 600_000 },
      { name: 'WEBHOOK_RETRY_MAX_MS', key: 'webhookRetryMaxMs', min: 100, max: 86_400_000 },
    ];

    for (const { name, key, min, max } of RANGES) {
      it(`accepts ${name} from ${min} to ${max} and refuses values outside, naming ${name}`, function () {
        expect(load({ [name]: String(min) })[key]).to.equal(min);
        expect(load({ [name]: String(max) })[key]).to.equal(max);
        for (const raw of [String(min - 1), String(max + 1), 'abc', '1.5']) {
          expectOneProblem({ [name]: raw }, name, `an integer from ${min} to ${max}`);
        }
      });
    }

    for (const raw of ['abc', '70000', '-1']) {
      it(`refuses PORT=${raw} with one line naming PORT`, function () {
        expectOneProblem({ PORT: raw }, 'PORT', 'an integer from 0 to 65535 (e.g. 3001)');
      });
    }
  });

  describe('text settings', function () {
    it('keeps HOST and CHROME_PATH as given, and refuses blank ones', function () {
      expect(load({ HOST: '::1', CHROME_PATH: '/usr/bin/chromium' })).to.include({ host: '::1', chromePath: '/usr/bin/chromium' });
      expectOneProblem({ HOST: '   ' }, 'HOST', 'a non-empty string');
      expectOneProblem({ CHROME_PATH: ' ' }, 'CHROME_PATH', 'a non-empty string');
    });

    it('accepts WA_DRIVER fake or whatsapp-web.js and refuses anything else, listing both', function () {
      expect(load({ WA_DRIVER: 'fake' }).driver).to.equal('fake');
      expect(load({ WA_DRIVER: 'whatsapp-web.js' }).driver).to.equal('whatsapp-web.js');
      expectOneProblem({ WA_DRIVER: 'Fake' }, 'WA_DRIVER', 'one of whatsapp-web.js, fake');
    });

    it('accepts each LOG_LEVEL and refuses others, listing the levels', function () {
      for (const level of LOG_LEVELS) expect(load({ LOG_LEVEL: level }).logLevel).to.equal(level);
      expectOneProblem({ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL', 'one of error, warn, info, debug');
      expectOneProblem({ LOG_LEVEL: 'INFO' }, 'LOG_LEVEL', 'one of error, warn, info, debug');
    });

    it('accepts each LOG_FORMAT and refuses others, listing them', function () {
      for (const format of LOG_FORMATS) expect(load({ LOG_FORMAT: format }).logFormat).to.equal(format);
      expectOneProblem({ LOG_FORMAT: 'text' }, 'LOG_FORMAT', 'one of auto, json, pretty');
    });

    for (const raw of ['two words', ' leading', 'trailing ', 'tab\there', 'line\nbreak']) {
      it(`refuses API_TOKEN=${JSON.stringify(raw)} because it holds whitespace`, function () {
        expectOneProblem({ API_TOKEN: raw }, 'API_TOKEN', 'a non-empty token without spaces');
      });
    }

    it('does not print a refused API_TOKEN in the error', function () {
      const line = expectOneProblem({ API_TOKEN: 'hunter2 ' }, 'API_TOKEN', 'without spaces');
      expect(line).not.to.contain('hunter2');
    });
  });

  describe('webhook settings', function () {
    it('accepts http:// and https:// URLs for WEBHOOK_URL', function () {
      expect(load({ WEBHOOK_URL: 'http://127.0.0.1:9000/hook' }).webhookUrl).to.equal('http://127.0.0.1:9000/hook');
      expect(load({ WEBHOOK_URL: 'https://hub.example.com' }).webhookUrl).to.equal('https://hub.example.com/');
    });

    for (const raw of ['hub.example.com/hook', 'ftp://hub.example.com/', 'file:///etc/passwd', 'https://user:pw@hub.example.com/', 'http://']) {
      it(`refuses WEBHOOK_URL=${raw} with one line naming WEBHOOK_URL`, function () {
        expectOneProblem({ WEBHOOK_URL: raw }, 'WEBHOOK_URL', 'an http:// or https:// URL');
      });
    }

    it('does not print a refused WEBHOOK_SECRET in the error', function () {
      const line = expectOneProblem({ WEBHOOK_SECRET: '   ' }, 'WEBHOOK_SECRET', 'a non-empty string');
      expect(line).to.contain('a value of 3 characters');
    });
  });

  describe('CHROME_ARGS', function () {
    it('accepts a JSON array of strings, keeping spaces inside an argument', function () {
      const config = load({ CHROME_ARGS: '["--lang=es", "--host-resolver-rules=MAP a b", "--window-size=800,600"]' });
      expect(config.chromeArgs).to.deep.equal(['--lang=es', '--host-resolver-rules=MAP a b', '--window-size=800,600']);
    });

    const refused: readonly [string, string][] = [
      ['a bare argument list', '--lang=es --mute-audio'],
      ['a JSON string', '"--lang=es"'],
      ['a JSON object', '{"lang":"es"}'],
      ['an array with a number', '["--lang=es", 3]'],
      ['an array with null', '[null]'],
      ['broken JSON', '["--lang=es"'],
    ];
    for (const [what, raw] of refused) {
      it(`refuses ${what} with one line naming CHROME_ARGS`, function () {
        expectOneProblem({ CHROME_ARGS: raw }, 'CHROME_ARGS', 'a JSON array of strings');
      });
    }
  });

  describe('SESSIONS_DIR', function () {
    it('resolves a relative SESSIONS_DIR against the given working directory', function () {
      expect(load({ SESSIONS_DIR: 'data/sessions' }).sessionsDir).to.equal(path.join(CWD, 'data', 'sessions'));
      expect(load({ SESSIONS_DIR: '../shared' }).sessionsDir).to.equal(path.resolve(CWD, '..', 'shared'));
    });

    it('keeps an absolute SESSIONS_DIR', function () {
      expect(load({ SESSIONS_DIR: '/var/lib/sm' }).sessionsDir).to.equal(path.resolve('/var/lib/sm'));
    });
  });

  describe('several problems', function () {
    it('reports one line per bad variable, all in one error', function () {
      const env = { CLIENTE_ID: 'x', PORT: 'abc', WA_DRIVER: 'selenium', LOG_LEVEL: 'loud', CHROME_ARGS: 'nope' };
      let caught: unknown;
      try {
        loadConfig(env, CWD);
      } catch (error) {
        caught = error;
      }
      if (!(caught instanceof ConfigError)) return expect.fail('expected a ConfigError');
      expect(caught.name).to.equal('ConfigError');
      expect(caught.problems.map((line) => line.split(' ')[0])).to.have.members(Object.keys(env));
      for (const line of caught.problems) expect(caught.message).to.contain(line);
    });
  });
});
