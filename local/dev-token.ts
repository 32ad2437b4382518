/**
 * `npm run --silent dev-token -- [--ttl <lifetime>] <userId> [<userId> ...]`: prints one JWT per user
 * id, in order, signed by the local key (`.local/jwt`, created if missing), lasting `--ttl` (default
 * 1 h). Nothing else goes to stdout.
 */
import { DEV_TOKEN_USAGE, parseDevTokenArgs } from './dev-token-args';
import { loadLocalSigningKey, mintDevToken } from './jwt';

const args = parseDevTokenArgs(process.argv.slice(2));
if (!args.ok) {
  process.stderr.write(`${args.message}\n${DEV_TOKEN_USAGE}\n`);
  process.exit(2);
}

const key = await loadLocalSigningKey();
const tokens: string[] = [];
// One at a time: thousands of ids stay fast (sub-millisecond each) and the order is the input's.
for (const userId of args.userIds)
  tokens.push(await mintDevToken(userId, { key, ttlSeconds: args.ttlSeconds }));
process.stdout.write(`${tokens.join('\n')}\n`);
