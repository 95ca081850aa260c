// What passes between bench/recycle.ts and bench/bare-wwebjs.ts, checked where it is read: the Client's
// options (when the parent works them out, so the child loads nothing but the library) and the report
// (one JSON line on stdout). Times are wall-clock (Date.now()), comparable with the parent's spawn time.
export interface BareClientOptions {
  // LocalAuth's dataPath and the 'local' webVersionCache's path.
  dataPath: string;
  webCachePath: string;
  executablePath: string;
  args: string[];
}

export interface BareReport {
  // The script's first line ran: Node's start-up and the static import of whatsapp-web.js are done.
  loadedAt: number;
  // client.initialize() was called (after the Client's options were worked out).
  initializeAt: number;
  // whatsapp-web.js emitted 'authenticated' (the saved login was restored), and then 'ready'.
  authenticatedAt: number;
  readyAt: number;
  // initialize() -> 'ready', on the monotonic clock.
  initializeToReadyMs: number;
  // client.destroy() (closing Chromium), on the monotonic clock.
  destroyMs: number;
}

function parseObject(text: string, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${what} is not JSON: ${text.slice(0, 200)}`, { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${what} is not a JSON object: ${text.slice(0, 200)}`);
  }
  return parsed as Record<string, unknown>;
}

export function parseBareClientOptions(text: string): BareClientOptions {
  const record = parseObject(text, 'BARE_CLIENT');
  const strings = (['dataPath', 'webCachePath', 'executablePath'] as const).every((field) => typeof record[field] === 'string');
  const args = record.args;
  if (!strings || !Array.isArray(args) || !args.every((arg) => typeof arg === 'string')) {
    throw new Error(`BARE_CLIENT must hold dataPath, webCachePath, executablePath (strings) and args (strings): ${text.slice(0, 200)}`);
  }
  return record as unknown as BareClientOptions;
}

const REPORT_FIELDS = ['loadedAt', 'initializeAt', 'authenticatedAt', 'readyAt', 'initializeToReadyMs', 'destroyMs'] as const;

export function parseBareReport(line: string): BareReport {
  const record = parseObject(line, 'The bare whatsapp-web.js report');
  const bad = REPORT_FIELDS.filter((field) => typeof record[field] !== 'number' || !Number.isFinite(record[field]));
  if (bad.length > 0) throw new Error(`The bare whatsapp-web.js run reported no numeric ${bad.join(', ')}: ${line.slice(0, 200)}`);
  return record as unknown as BareReport;
}
