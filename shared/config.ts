// Read the environment once, validate every value, and freeze the result.
import path from 'node:path';

export const WA_DRIVERS = ['whatsapp-web.js', 'fake'] as const;
export type WaDriver = (typeof WA_DRIVERS)[number];

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  readonly clienteId: number;
  readonly port: number;
  readonly host: string;
  readonly sessionsDir: string;
  readonly chromePath: string | undefined;
  readonly chromeArgs: readonly string[];
  readonly driver: WaDriver;
  readonly fakeScanDelayMs: number;
  readonly fakeQrRotateMs: number;
  readonly apiToken: string | undefined;
  readonly logLevel: LogLevel;
  readonly callTimeoutMs: number;
  readonly sendTimeoutMs: number;
  readonly shutdownGraceMs: number;
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly initTimeoutMs: number;
  readonly restartMaxFailures: number;
  readonly restartWindowMs: number;
  readonly memoryLimitMb: number;
  readonly maxPendingCalls: number;
  readonly sendMinIntervalMs: number;
  readonly sendQueueMax: number;
  readonly idempotencyTtlMs: number;
}

export type Env = Readonly<Record<string, string | undefined>>;

// Raised when one or more variables are wrong; `problems` holds one line per variable.
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((line) => `  - ${line}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const DEFAULTS = {
  PORT: 3001,
  HOST: '127.0.0.1',
  SESSIONS_DIR: './sessions',
  FAKE_SCAN_DELAY_MS: 3000,
  FAKE_QR_ROTATE_MS: 20_000,
  CALL_TIMEOUT_MS: 15_000,
  SEND_TIMEOUT_MS: 60_000,
  SHUTDOWN_GRACE_MS: 10_000,
  HEARTBEAT_INTERVAL_MS: 10_000,
  HEARTBEAT_TIMEOUT_MS: 5000,
  INIT_TIMEOUT_MS: 5 * 60_000,
  RESTART_MAX_FAILURES: 10,
  RESTART_WINDOW_MS: 15 * 60_000,
  MEMORY_LIMIT_MB: 2048,
  MAX_PENDING_CALLS: 100,
  SEND_MIN_INTERVAL_MS: 0,
  SEND_QUEUE_MAX: 100,
  IDEMPOTENCY_TTL_MS: 24 * 60 * 60_000,
} as const;

// What a reader returns for a bad value: the form it expected, for the error line.
class Expected {
  constructor(readonly form: string) {}
}

type Reader<T> = (raw: string) => T | Expected;

const SECRETS = new Set(['API_TOKEN']);

function integerIn(min: number, max: number, example: string): Reader<number> {
  return (raw) => {
    if (!/^\d+$/.test(raw)) return new Expected(`an integer from ${min} to ${max} (e.g. ${example})`);
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      return new Expected(`an integer from ${min} to ${max} (e.g. ${example})`);
    }
    return value;
  };
}

function oneOf<T extends string>(values: readonly T[]): Reader<T> {
  return (raw) => ((values as readonly string[]).includes(raw) ? (raw as T) : new Expected(`one of ${values.join(', ')}`));
}

const readClienteId: Reader<number> = (raw) => {
  // Digits only, no sign, no leading zero: the value names a folder, so "../x" or "051" must never pass.
  if (!/^[1-9]\d*$/.test(raw) || !Number.isSafeInteger(Number(raw))) return new Expected('a positive integer (e.g. 51)');
  return Number(raw);
};

const readNonEmpty: Reader<string> = (raw) => (raw.trim() === '' ? new Expected('a non-empty string') : raw);

const readToken: Reader<string> = (raw) =>
  raw === '' || raw.trim() !== raw || /\s/.test(raw) ? new Expected('a non-empty token without spaces') : raw;

const readChromeArgs: Reader<readonly string[]> = (raw) => {
  const expected = new Expected('a JSON array of strings (e.g. ["--lang=es","--window-size=800,600"])');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return expected;
  }
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) return expected;
  return Object.freeze([...(parsed as string[])]);
};

function describe(raw: string): string {
  return JSON.stringify(raw.length > 60 ? `${raw.slice(0, 57)}...` : raw);
}

export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const problems: string[] = [];

  function read<T>(name: string, reader: Reader<T>, fallback: T): T;
  function read<T>(name: string, reader: Reader<T>): T | undefined;
  function read<T>(name: string, reader: Reader<T>, fallback?: T): T | undefined {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const result = reader(raw);
    if (result instanceof Expected) {
      // A secret is never echoed: the error goes to stderr, i.e. into the process manager's logs.
      const got = SECRETS.has(name) ? `a value of ${raw.length} characters` : describe(raw);
      problems.push(`${name} must be ${result.form}, got ${got}`);
      return fallback;
    }
    return result;
  }

  const rawClienteId = env.CLIENTE_ID;
  let clienteId = 0;
  if (rawClienteId === undefined || rawClienteId === '') {
    problems.push('CLIENTE_ID is required: the tenant id, a positive integer (e.g. CLIENTE_ID=51)');
  } else {
    clienteId = read('CLIENTE_ID', readClienteId, 0);
  }

  const config: Config = {
    clienteId,
    port: read('PORT', integerIn(0, 65_535, '3001'), DEFAULTS.PORT),
    host: read('HOST', readNonEmpty, DEFAULTS.HOST),
    sessionsDir: path.resolve(cwd, read('SESSIONS_DIR', readNonEmpty, DEFAULTS.SESSIONS_DIR)),
    chromePath: read('CHROME_PATH', readNonEmpty),
    chromeArgs: read('CHROME_ARGS', readChromeArgs, Object.freeze([])),
    driver: read('WA_DRIVER', oneOf(WA_DRIVERS), 'whatsapp-web.js'),
    fakeScanDelayMs: read('FAKE_SCAN_DELAY_MS', integerIn(0, 3_600_000, '3000'), DEFAULTS.FAKE_SCAN_DELAY_MS),
    fakeQrRotateMs: read('FAKE_QR_ROTATE_MS', integerIn(100, 3_600_000, '20000'), DEFAULTS.FAKE_QR_ROTATE_MS),
    apiToken: read('API_TOKEN', readToken),
    logLevel: read('LOG_LEVEL', oneOf(LOG_LEVELS), 'info'),
    callTimeoutMs: read('CALL_TIMEOUT_MS', integerIn(100, 600_000, '15000'), DEFAULTS.CALL_TIMEOUT_MS),
    sendTimeoutMs: read('SEND_TIMEOUT_MS', integerIn(100, 600_000, '60000'), DEFAULTS.SEND_TIMEOUT_MS),
    shutdownGraceMs: read('SHUTDOWN_GRACE_MS', integerIn(0, 600_000, '10000'), DEFAULTS.SHUTDOWN_GRACE_MS),
    heartbeatIntervalMs: read('HEARTBEAT_INTERVAL_MS', integerIn(100, 600_000, '10000'), DEFAULTS.HEARTBEAT_INTERVAL_MS),
    heartbeatTimeoutMs: read('HEARTBEAT_TIMEOUT_MS', integerIn(100, 600_000, '5000'), DEFAULTS.HEARTBEAT_TIMEOUT_MS),
    initTimeoutMs: read('INIT_TIMEOUT_MS', integerIn(1000, 3_600_000, '300000'), DEFAULTS.INIT_TIMEOUT_MS),
    restartMaxFailures: read('RESTART_MAX_FAILURES', integerIn(1, 1000, '10'), DEFAULTS.RESTART_MAX_FAILURES),
    restartWindowMs: read('RESTART_WINDOW_MS', integerIn(1000, 24 * 3_600_000, '900000'), DEFAULTS.RESTART_WINDOW_MS),
    memoryLimitMb: read('MEMORY_LIMIT_MB', integerIn(0, 1_000_000, '2048'), DEFAULTS.MEMORY_LIMIT_MB),
    maxPendingCalls: read('MAX_PENDING_CALLS', integerIn(1, 100_000, '100'), DEFAULTS.MAX_PENDING_CALLS),
    sendMinIntervalMs: read('SEND_MIN_INTERVAL_MS', integerIn(0, 3_600_000, '1000'), DEFAULTS.SEND_MIN_INTERVAL_MS),
    sendQueueMax: read('SEND_QUEUE_MAX', integerIn(1, 100_000, '100'), DEFAULTS.SEND_QUEUE_MAX),
    idempotencyTtlMs: read(
      'IDEMPOTENCY_TTL_MS',
      integerIn(60_000, 30 * 24 * 60 * 60_000, '86400000'),
      DEFAULTS.IDEMPOTENCY_TTL_MS,
    ),
  };

  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

