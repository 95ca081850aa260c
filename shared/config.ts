// Read the environment once, validate every value, and freeze the result. Every setting is one row of
// SETTINGS: the Config type, the defaults, the validation and the start-up error lines all come from it,
// and test/shared/config-readme.test.ts checks the README's configuration table against it.
import path from 'node:path';
import { Expected, httpUrl, integerIn, jsonStringArray, nonEmpty, oneOf, positiveId, token, type Reader } from './config-readers.js';

const WA_DRIVERS = ['whatsapp-web.js', 'fake'] as const;
export type WaDriver = (typeof WA_DRIVERS)[number];

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

// `auto`: readable lines on a terminal, JSON lines otherwise (PM2, files, pipes).
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export type Env = Readonly<Record<string, string | undefined>>;

// The default of a setting that has none: start-up fails when it is unset, with "NAME is required: <why>".
export class Required {
  constructor(readonly why: string) {}
}

export interface Setting<K extends string = string, T = unknown, D = unknown> {
  // The Config field it fills.
  readonly key: K;
  // Parses and validates a value that is set (an empty variable counts as unset).
  readonly read: Reader<T>;
  // Used when unset: a value, `undefined` (the field stays undefined) or a `Required`.
  readonly default: D;
  // The README's Default cell, when the real default is decided elsewhere (e.g. by the driver).
  readonly documentedDefault?: string;
  // Never echoed in an error line: those go to stderr, i.e. into the process manager's logs.
  readonly secret?: boolean;
  // Turns the value (set or default) into the one the service uses. A method, so that any row is a `Setting`.
  resolve?(value: T, cwd: string): T;
}

// Ties a row's default and resolve to the type its reader returns, and keeps its key as a literal type.
function setting<K extends string, T, D>(
  row: Setting<K, T, D> & { readonly default: NoInfer<T> | undefined | Required },
): Setting<K, T, D> {
  return Object.freeze(row);
}

const relativeToCwd = (dir: string, cwd: string): string => path.resolve(cwd, dir);

const TENANT_REQUIRED = new Required('the tenant id, a positive integer (e.g. CLIENTE_ID=51)');

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// Every setting, in the README's order. Bounds and examples are part of the start-up error line.
export const SETTINGS = Object.freeze({
  CLIENTE_ID:            setting({ key: 'clienteId',           read: positiveId,                          default: TENANT_REQUIRED }),
  PORT:                  setting({ key: 'port',                read: integerIn(0, 65_535, 3001),          default: 3001 }),
  HOST:                  setting({ key: 'host',                read: nonEmpty,                            default: '127.0.0.1' }),
  SESSIONS_DIR:          setting({ key: 'sessionsDir',         read: nonEmpty,                            default: './sessions',
                                   resolve: relativeToCwd }),
  CHROME_PATH:           setting({ key: 'chromePath',          read: nonEmpty,                            default: undefined,
                                   documentedDefault: "puppeteer's browser, else `/usr/lib/chromium/chromium-headless-shell`, else `/usr/bin/chromium`" }),
  CHROME_ARGS:           setting({ key: 'chromeArgs',          read: jsonStringArray,                     default: Object.freeze<string[]>([]) }),
  WA_DRIVER:             setting({ key: 'driver',              read: oneOf(WA_DRIVERS),                   default: 'whatsapp-web.js' }),
  FAKE_SCAN_DELAY_MS:    setting({ key: 'fakeScanDelayMs',     read: integerIn(0, HOUR, 3000),            default: 3000 }),
  FAKE_QR_ROTATE_MS:     setting({ key: 'fakeQrRotateMs',      read: integerIn(100, HOUR, 20_000),        default: 20_000 }),
  FAKE_DELIVERY_DELAY_MS: setting({ key: 'fakeDeliveryDelayMs', read: integerIn(0, HOUR, 1000),            default: 1000 }),
  API_TOKEN:             setting({ key: 'apiToken',            read: token,                               default: undefined,
                                   secret: true }),
  LOG_LEVEL:             setting({ key: 'logLevel',            read: oneOf(LOG_LEVELS),                   default: 'info' }),
  LOG_FORMAT:            setting({ key: 'logFormat',           read: oneOf(LOG_FORMATS),                  default: 'auto' }),
  CALL_TIMEOUT_MS:       setting({ key: 'callTimeoutMs',       read: integerIn(100, 10 * MINUTE, 15_000), default: 15_000 }),
  SEND_TIMEOUT_MS:       setting({ key: 'sendTimeoutMs',       read: integerIn(100, 10 * MINUTE, 60_000), default: 60_000 }),
  SEND_MIN_INTERVAL_MS:  setting({ key: 'sendMinIntervalMs',   read: integerIn(0, HOUR, 1000),            default: 0 }),
  SEND_QUEUE_MAX:        setting({ key: 'sendQueueMax',        read: integerIn(1, 100_000, 100),          default: 100 }),
  IDEMPOTENCY_TTL_MS:    setting({ key: 'idempotencyTtlMs',    read: integerIn(MINUTE, 30 * DAY, DAY),    default: DAY }),
  MESSAGE_STATUS_TTL_MS: setting({ key: 'messageStatusTtlMs', read: integerIn(MINUTE, 90 * DAY, 7 * DAY), default: 7 * DAY }),
  MESSAGE_STATUS_MAX:    setting({ key: 'messageStatusMax',    read: integerIn(1, 1_000_000, 50_000),     default: 50_000 }),
  WEBHOOK_URL:           setting({ key: 'webhookUrl',          read: httpUrl,                             default: undefined }),
  WEBHOOK_SECRET:        setting({ key: 'webhookSecret',       read: nonEmpty,                            default: undefined,
                                   secret: true }),
  WEBHOOK_QUEUE_MAX:     setting({ key: 'webhookQueueMax',     read: integerIn(1, 1_000_000, 10_000),     default: 10_000 }),
  WEBHOOK_TIMEOUT_MS:    setting({ key: 'webhookTimeoutMs',    read: integerIn(100, 10 * MINUTE, 10_000), default: 10_000 }),
  WEBHOOK_RETRY_MAX_MS:  setting({ key: 'webhookRetryMaxMs',   read: integerIn(100, DAY, 5 * MINUTE),     default: 5 * MINUTE }),
  MAX_PENDING_CALLS:     setting({ key: 'maxPendingCalls',     read: integerIn(1, 100_000, 100),          default: 100 }),
  SHUTDOWN_GRACE_MS:     setting({ key: 'shutdownGraceMs',     read: integerIn(0, 10 * MINUTE, 10_000),   default: 10_000 }),
  HEARTBEAT_INTERVAL_MS: setting({ key: 'heartbeatIntervalMs', read: integerIn(100, 10 * MINUTE, 10_000), default: 10_000 }),
  HEARTBEAT_TIMEOUT_MS:  setting({ key: 'heartbeatTimeoutMs',  read: integerIn(100, 10 * MINUTE, 5000),   default: 5000 }),
  INIT_TIMEOUT_MS:       setting({ key: 'initTimeoutMs',       read: integerIn(1000, HOUR, 5 * MINUTE),   default: 5 * MINUTE }),
  LINK_LOST_TIMEOUT_MS:  setting({ key: 'linkLostTimeoutMs',   read: integerIn(1000, DAY, 2 * MINUTE),    default: 2 * MINUTE }),
  RESTART_MAX_FAILURES:  setting({ key: 'restartMaxFailures',  read: integerIn(1, 1000, 10),              default: 10 }),
  RESTART_WINDOW_MS:     setting({ key: 'restartWindowMs',     read: integerIn(1000, DAY, 15 * MINUTE),   default: 15 * MINUTE }),
  CRASH_LOOP_RETRY_MS:   setting({ key: 'crashLoopRetryMs',    read: integerIn(0, DAY, 5 * MINUTE),       default: 5 * MINUTE }),
  MEMORY_LIMIT_MB:       setting({ key: 'memoryLimitMb',       read: integerIn(0, 1_000_000, 2048),       default: 2048 }),
  LOGIN_SNAPSHOTS:       setting({ key: 'loginSnapshots',      read: integerIn(0, 20, 3),                 default: 3 }),
});

type SettingName = keyof typeof SETTINGS;

// A setting whose default is `undefined` may stay undefined; a required one or one with a default may not.
type ValueOf<S> = S extends Setting<string, infer T, infer D> ? (undefined extends D ? T | undefined : T) : never;

export type Config = { readonly [N in SettingName as (typeof SETTINGS)[N]['key']]: ValueOf<(typeof SETTINGS)[N]> };

// Raised when one or more variables are wrong; `problems` holds one line per variable.
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((line) => `  - ${line}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

function describe(raw: string): string {
  return JSON.stringify(raw.length > 60 ? `${raw.slice(0, 57)}...` : raw);
}

// One setting's value: read when set, its default otherwise. A bad or missing value adds its line to `problems`.
function readSetting(name: string, row: Setting, raw: string | undefined, cwd: string, problems: string[]): unknown {
  let value = row.default;
  if (raw === undefined || raw === '') {
    if (value instanceof Required) {
      problems.push(`${name} is required: ${value.why}`);
      return undefined;
    }
  } else {
    const result = row.read(raw);
    if (result instanceof Expected) {
      const got = row.secret ? `a value of ${raw.length} characters` : describe(raw);
      problems.push(`${name} must be ${result.form}, got ${got}`);
      return undefined;
    }
    value = result;
  }
  return value !== undefined && row.resolve ? row.resolve(value, cwd) : value;
}

export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const problems: string[] = [];
  const config: Record<string, unknown> = {};
  for (const [name, row] of Object.entries(SETTINGS)) {
    config[row.key] = readSetting(name, row, env[name], cwd, problems);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  // Every key of Config is a row's key, filled above with a value its reader or default produced.
  return Object.freeze(config) as Config;
}
