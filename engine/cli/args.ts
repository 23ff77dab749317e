/** `--name value` and `--flag` options after the command word; unknown options are an error, not ignored. */
export function parseArgs(argv: string[], known: Record<string, 'string' | 'boolean'>): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') continue;
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m || !(m[1]! in known)) throw new Error(`unknown option ${arg}`);
    const name = m[1]!;
    if (known[name] === 'boolean') out[name] = true;
    else {
      const value = m[2] ?? argv[++i];
      if (value === undefined) throw new Error(`option --${name} needs a value`);
      out[name] = value;
    }
  }
  return out;
}
