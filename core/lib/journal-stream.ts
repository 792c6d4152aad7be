// pino's levels as syslog priorities, which journald reads from a `<N>` prefix on each line.
const PRIORITY: Array<[number, number]> = [
  [60, 2], // fatal: crit
  [50, 3], // error: err
  [40, 4], // warn: warning
  [30, 6], // info: info
  [0, 7], // debug, trace: debug
];

const OMITTED = new Set(['level', 'time', 'pid', 'hostname', 'msg']);

/** One pino JSON line as a journal line: `<6>message {"other":"fields"}`. */
export function toJournalLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return `<6>${json.trim()}\n`;
  }
  const level = typeof entry.level === 'number' ? entry.level : 30;
  const priority = PRIORITY.find(([atLeast]) => level >= atLeast)?.[1] ?? 6;
  const rest = Object.fromEntries(Object.entries(entry).filter(([key]) => !OMITTED.has(key)));
  const fields = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
  // journald ends an entry at a newline: a message with one in it stays one entry.
  return `<${priority}>${String(entry.msg ?? '').replaceAll('\n', '\\n')}${fields}\n`;
}

/** A pino destination writing journal lines to systemd's stream (stderr under a unit); the journal keeps time and pid. */
export class JournalStream {
  constructor(private readonly out: NodeJS.WritableStream) {}

  write(chunk: string): boolean {
    return this.out.write(toJournalLine(chunk));
  }
}
