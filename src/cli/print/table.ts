/**
 * kubectl-style columns: a header row in capitals, cells left-aligned, three spaces between
 * columns, no borders, and no padding after the last column. Hand-written because it is a dozen
 * lines; a table library would add boxes and options we would then have to turn off.
 */

/** Formats rows (the first row is the header) as aligned text, one line per row. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  let out = '';
  for (const row of rows) {
    const cells = row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + 3)));
    out += `${cells.join('').trimEnd()}\n`;
  }
  return out;
}
