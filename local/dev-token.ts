/**
 * `npm run --silent dev-token -- <userId> [<userId> ...]`: prints one JWT per user id, in order,
 * signed by the local key (`.local/jwt`, created if missing). Nothing else goes to stdout.
 */
import { loadLocalSigningKey, mintDevToken } from './jwt';

const userIds = process.argv.slice(2);
if (userIds.length === 0 || userIds.includes('')) {
  process.stderr.write('usage: npm run --silent dev-token -- <userId> [<userId> ...]\n');
  process.exit(2);
}

const key = await loadLocalSigningKey();
const tokens: string[] = [];
// One at a time: thousands of ids stay fast (sub-millisecond each) and the order is the input's.
for (const userId of userIds) tokens.push(await mintDevToken(userId, { key }));
process.stdout.write(`${tokens.join('\n')}\n`);
