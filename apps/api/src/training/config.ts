// The trainer config of one run: the base TOML with [train] run_dir, [bundle] out and [bundle] version
// replaced (paths absolute, inside the run folder). Only those top-level `key = value` lines change.

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const tomlString = (s: string) => JSON.stringify(s); // a TOML basic string: same escapes as JSON for these paths

export function runConfig(base: string, values: { runDir: string; bundleOut: string; version: string }): string {
  const wanted: Record<string, Record<string, string>> = {
    train: { run_dir: values.runDir },
    bundle: { out: values.bundleOut, version: values.version },
  };
  const seen = new Set<string>();
  let section = '';
  const lines = base.split('\n').map((line) => {
    const header = /^\s*\[{1,2}([^\]]+)\]{1,2}\s*(#.*)?$/.exec(line);
    if (header) {
      section = (header[1] as string).trim();
      return line;
    }
    const assignment = /^(\s*)([A-Za-z0-9_]+)(\s*=\s*)("[^"]*"|'[^']*')(.*)$/.exec(line);
    const value = assignment ? wanted[section]?.[assignment[2] as string] : undefined;
    if (!assignment || value === undefined) return line;
    seen.add(`${section}.${assignment[2]}`);
    return `${assignment[1]}${assignment[2]}${assignment[3]}${tomlString(value)}${assignment[5]}`;
  });
  const missing = Object.entries(wanted)
    .flatMap(([s, keys]) => Object.keys(keys).map((k) => `${s}.${k}`))
    .filter((k) => !seen.has(k));
  if (missing.length > 0) throw new ConfigError(`trainer config lacks ${missing.join(', ')} (as quoted strings)`);
  return lines.join('\n');
}

/** The version of the next retrained bundle: the current one's minor + 1 (1.3.0 -> 1.4.0; 1.3.0-rc.1 -> 1.4.0). */
export function nextVersion(current: string | null): string {
  if (current === null) return '0.1.0';
  const match = /^(\d+)\.(\d+)\.\d+/.exec(current);
  if (!match) throw new ConfigError(`not a bundle version: ${current}`);
  return `${match[1]}.${Number(match[2]) + 1}.0`;
}
