// Type guards for data that crossed a boundary (HTTP bodies, IPC messages).

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// The phone-number rule: an international number, country code first, as 8 to 15 digits (E.164's bound).
export function isPhoneDigits(value: unknown): value is string {
  return typeof value === 'string' && /^\d{8,15}$/.test(value);
}
