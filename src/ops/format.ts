// How every ops command prints: a result as text for people or as JSON for scripts (--json),
// errors on stderr (and as JSON on stdout with --json), aligned tables and short ages.
export function table(rows: string[][]): string {
  if (!rows.length) return '';
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** 42s, 17m, 5h, 3d. */
export function age(from: Date | undefined, now = Date.now()): string {
  if (!from) return '-';
  const s = Math.max(0, Math.round((now - from.getTime()) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
}

/** A search attribute of a listed or described workflow, comma-joined ('' when unset). */
export function searchAttr(desc: { searchAttributes?: Record<string, unknown> }, name: string): string {
  const v = desc.searchAttributes?.[name];
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return list.map((x) => (x instanceof Date ? x.toISOString() : String(x))).join(',');
}

export interface Printer {
  log: (line: string) => void;
  error: (line: string) => void;
}

export const consolePrinter: Printer = {
  log: (line) => console.log(line),
  error: (line) => console.error(line),
};

export function output(json: boolean, p: Printer = consolePrinter) {
  return (human: string, data: unknown) => p.log(json ? JSON.stringify(data, null, 2) : human);
}

/**
 * An error's report: bad usage names the mistake and prints the usage; anything else is
 * `error: <message>`. With --json a script also gets `{"error", "refused"}` on stdout.
 */
export function reportError(
  message: string,
  how: { json: boolean; usage?: string; refused: boolean },
  p: Printer = consolePrinter,
): void {
  if (how.json) p.log(JSON.stringify({ error: message, refused: how.refused }, null, 2));
  p.error(how.usage !== undefined ? `${message}\n\n${how.usage}` : `error: ${message}`);
}
