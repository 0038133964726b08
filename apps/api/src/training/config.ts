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

export type TomlValue = string | number | boolean;

const tomlValue = (v: TomlValue) => (typeof v === 'string' ? tomlString(v) : String(v));

/**
 * Sets `section.key = value` for each entry: an existing key of that section is replaced, a missing one is added
 * under the section's header, a missing section is appended (top-level tables only, e.g. [run], [feedback]).
 */
export function withSettings(toml: string, settings: Record<string, Record<string, TomlValue>>): string {
  const lines = toml.split('\n');
  for (const [section, keys] of Object.entries(settings)) {
    for (const [key, value] of Object.entries(keys)) {
      let current = '';
      let header = -1;
      let found = -1;
      lines.forEach((line, i) => {
        const h = /^\s*\[{1,2}([^\]]+)\]{1,2}\s*(#.*)?$/.exec(line);
        if (h) {
          current = (h[1] as string).trim();
          if (current === section && !line.trim().startsWith('[[') && header < 0) header = i;
          return;
        }
        if (current === section && new RegExp(`^\\s*${key}\\s*=`).test(line)) found = i;
      });
      const assignment = `${key} = ${tomlValue(value)}`;
      if (found >= 0) lines[found] = assignment;
      else if (header >= 0) lines.splice(header + 1, 0, assignment);
      else lines.push('', `[${section}]`, assignment);
    }
  }
  return lines.join('\n');
}
