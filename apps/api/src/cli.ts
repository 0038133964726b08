// Token administration: npx tsx apps/api/src/cli.ts token issue --role agronomist [--name "Dr. A"]
//                       npx tsx apps/api/src/cli.ts token revoke <id>
//                       npx tsx apps/api/src/cli.ts token list
//                       npx tsx apps/api/src/cli.ts bundle publish <dir>   (verify, gate, then add to the registry)
//                       npx tsx apps/api/src/cli.ts bundle gate <candidate> [<current>]   (the gate report only)
//                       npx tsx apps/api/src/cli.ts bundle list
//                       npx tsx apps/api/src/cli.ts channel show|publish|promote|pause|resume|rollback ...
// Uses the same database and registry as the server (DATABASE_URL / LEAFCHECK_DB, LEAFCHECK_REGISTRY).
import { parseArgs } from 'node:util';
import { formatGateReport, gateCandidate, verifyBundle } from '@leafcheck/bundle';
import { dirSource, trustedKeysWithLocal } from '@leafcheck/bundle/node';
import { openDb } from './db/connect.ts';
import { createTokenStore, ROLES, type Role } from './db/token-store.ts';
import { channelsFromEnv, readEnv, registryFromEnv } from './env.ts';
import { CHANNEL_USAGE, runChannel } from './registry/channel-cli.ts';
import { describeRefusal } from './registry/registry.ts';

const USAGE = `usage: cli.ts token issue --role ${ROLES.join('|')} [--name NAME]
       cli.ts token revoke ID
       cli.ts token list
       cli.ts bundle publish DIR
       cli.ts bundle gate CANDIDATE_DIR [CURRENT_DIR]   (CURRENT_DIR omitted: the newest published bundle)
       cli.ts bundle list
${CHANNEL_USAGE}`;

export async function runCli(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { role: { type: 'string' }, name: { type: 'string' }, percent: { type: 'string' }, reason: { type: 'string' } },
  });
  const [group, command, arg, arg2] = positionals;
  if (group === 'bundle') return runBundle(command, arg, arg2, out);
  if (group === 'channel') return runChannel(channelsFromEnv(registryFromEnv()), positionals.slice(1), values, out);
  if (group !== 'token' || !command) {
    out(USAGE);
    return 2;
  }
  const opened = await openDb(readEnv().db);
  try {
    const tokens = createTokenStore(opened.db);
    if (command === 'issue') {
      const role = values.role as Role | undefined;
      if (!role || !ROLES.includes(role)) {
        out(`--role must be one of ${ROLES.join(', ')}`);
        return 2;
      }
      const { info, token } = await tokens.issue(role, values.name ?? `${role} token`);
      out(`issued ${info.role} token ${info.id} (shown once, store it now):`);
      out(token);
      return 0;
    }
    if (command === 'revoke' && arg) {
      const revoked = await tokens.revoke(arg);
      out(revoked ? `revoked ${arg}` : `no live token with id ${arg}`);
      return revoked ? 0 : 1;
    }
    if (command === 'list') {
      for (const t of await tokens.list())
        out(`${t.id}\t${t.role}\t${t.revokedAt ? `revoked ${t.revokedAt}` : 'live'}\t${t.createdAt}\t${t.name}`);
      return 0;
    }
    out(USAGE);
    return 2;
  } finally {
    await opened.close();
  }
}

async function runBundle(command: string | undefined, arg: string | undefined, arg2: string | undefined, out: (line: string) => void) {
  const registry = registryFromEnv();
  if (command === 'publish' && arg) {
    try {
      const meta = await registry.publish(dirSource(arg));
      out(`published bundle ${meta.version} (signed by ${meta.keyId}) at ${meta.publishedAt}`);
      if (meta.gate) for (const line of formatGateReport(meta.gate)) out(line);
      return 0;
    } catch (error) {
      for (const line of describeRefusal(error)) out(line);
      return 1;
    }
  }
  if (command === 'gate' && arg) {
    try {
      const verified = async (dir: string) => (await verifyBundle(dirSource(dir), trustedKeysWithLocal())).manifest;
      const report = arg2 ? gateCandidate(await verified(arg), await verified(arg2)) : await registry.check(dirSource(arg));
      for (const line of formatGateReport(report)) out(line);
      return report.pass ? 0 : 1;
    } catch (error) {
      out(`not gated: ${(error as Error).message}`);
      return 1;
    }
  }
  if (command === 'list') {
    for (const b of await registry.list()) out(`${b.version}\t${b.publishedAt}\t${b.keyId}`);
    return 0;
  }
  out(USAGE);
  return 2;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
