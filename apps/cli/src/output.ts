/** How a command prints what it got: a table for people (the default), JSON for scripts. */
export type Row = Record<string, unknown>;

const cell = (value: unknown): string => {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number' && value > 1_000_000_000 && value < 10_000_000_000)
    return new Date(value * 1000).toISOString().replace('.000Z', 'Z');
  return typeof value === 'string' ? value : JSON.stringify(value);
};

/** Columns padded to their widest cell, a header line, then one line per row. */
export function table(rows: readonly Row[], columns: readonly string[]): string {
  if (rows.length === 0) return '(none)';
  const cells = rows.map((row) => columns.map((column) => cell(row[column])));
  const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((line) => line[i]!.length)));
  const line = (values: readonly string[]) =>
    values
      .map((value, i) => value.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** One record as `key  value` lines. */
export function record(row: Row): string {
  const width = Math.max(...Object.keys(row).map((key) => key.length));
  return Object.entries(row)
    .map(([key, value]) =>
      typeof value === 'object' && value !== null
        ? `${key.padEnd(width)}  ${JSON.stringify(value, null, 2).replace(/\n/g, `\n${' '.repeat(width + 2)}`)}`
        : `${key.padEnd(width)}  ${cell(value)}`,
    )
    .join('\n');
}
