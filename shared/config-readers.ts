// The readers behind the settings table: each turns one raw environment value into a typed value, or says
// which form it expected so the start-up error line can name it.

// What a reader returns for a bad value: the form it expected ("NAME must be <form>, got <value>").
export class Expected {
  constructor(readonly form: string) {}
}

export type Reader<T> = (raw: string) => T | Expected;

// Digits only: "1.5", "1e3", "-1" and " 5" are refused rather than coerced.
export function integerIn(min: number, max: number, example: number): Reader<number> {
  const expected = new Expected(`an integer from ${min} to ${max} (e.g. ${example})`);
  return (raw) => {
    if (!/^\d+$/.test(raw)) return expected;
    const value = Number(raw);
    return Number.isSafeInteger(value) && value >= min && value <= max ? value : expected;
  };
}

export function oneOf<T extends string>(values: readonly T[]): Reader<T> {
  const expected = new Expected(`one of ${values.join(', ')}`);
  return (raw) => ((values as readonly string[]).includes(raw) ? (raw as T) : expected);
}

// Digits only, no sign, no leading zero: the value names a folder, so "../x" or "051" must never pass.
export const positiveId: Reader<number> = (raw) =>
  /^[1-9]\d*$/.test(raw) && Number.isSafeInteger(Number(raw)) ? Number(raw) : new Expected('a positive integer (e.g. 51)');

export const nonEmpty: Reader<string> = (raw) => (raw.trim() === '' ? new Expected('a non-empty string') : raw);

// A bearer token compared byte for byte: a stray space or newline from a .env file would never match.
export const token: Reader<string> = (raw) =>
  raw === '' || /\s/.test(raw) ? new Expected('a non-empty token without spaces') : raw;

// JSON rather than space-separated, so that one argument may contain spaces; the result is frozen.
export const jsonStringArray: Reader<readonly string[]> = (raw) => {
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

// An absolute http:// or https:// URL with a host (where webhooks are POSTed). Credentials in it are
// refused: they would be logged with the URL; a receiver checks the signature instead.
export const httpUrl: Reader<string> = (raw) => {
  const expected = new Expected('an http:// or https:// URL without user or password (e.g. https://hub.example.com/hooks/wa)');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return expected;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return expected;
  return url.username === '' && url.password === '' ? url.href : expected;
};
