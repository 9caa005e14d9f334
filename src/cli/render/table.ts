import { stripVTControlCharacters } from 'node:util';

/** Left-aligned columns separated by two spaces, like kubectl get. Cells may be coloured: widths count what shows. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const width = (cell: string): number => stripVTControlCharacters(cell).length;
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const pad = (cell: string, i: number): string => cell + ' '.repeat(Math.max(0, widths[i]! - width(cell)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : pad(c, i))).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}
