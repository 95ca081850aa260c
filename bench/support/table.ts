// Number formatting and plain-text tables for the memory benchmarks.

export const MIB_PER_24_GIB = 24 * 1024;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

// MiB from kB; '-' for a figure that could not be measured (NaN).
export const mib = (kb: number): string => (Number.isNaN(kb) ? '-' : (kb / 1024).toFixed(0));
export const signedMib = (kb: number): string => (Number.isNaN(kb) ? '-' : `${kb >= 0 ? '+' : ''}${(kb / 1024).toFixed(0)}`);

// How many tenants of `perTenantKb` fit in 24 GiB, counting their PSS only (no OS, no page cache).
export function tenantsPer24GiB(perTenantKb: number): number {
  return Math.floor(MIB_PER_24_GIB / (perTenantKb / 1024));
}

// Left-aligns the first and last columns, right-aligns the others; each line indented by two spaces.
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((title, index) => Math.max(title.length, ...rows.map((row) => (row[index] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `  ${cells
      .map((cell, index) => (index === 0 || index === cells.length - 1 ? cell.padEnd(widths[index] ?? 0) : cell.padStart(widths[index] ?? 0)))
      .join('  ')
      .trimEnd()}`;
  return [line(header), ...rows.map(line)];
}
