/**
 * How a store reads its rows: snake_case columns become camelCase fields, the named 0/1 flags booleans and
 * the named JSON columns parsed values (null stays null). One reader per store replaces a hand-written
 * Row interface and its field-by-field copy.
 */
export function rowReader<T>(options: { flags?: readonly string[]; json?: readonly string[] } = {}): (row: unknown) => T {
  const flags = new Set(options.flags);
  const json = new Set(options.json);
  return (row) => {
    const out: Record<string, unknown> = {};
    for (const [column, value] of Object.entries(row as Record<string, unknown>)) {
      const key = column.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
      if (flags.has(key)) out[key] = value === 1;
      else if (json.has(key)) out[key] = typeof value === 'string' ? JSON.parse(value) : null;
      else out[key] = value;
    }
    return out as T;
  };
}
