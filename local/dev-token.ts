/**
 * `npm run --silent dev-token -- [--ttl <lifetime>] [--issuer <url> --key <file> --audience <aud>]
 * <userId> [<userId> ...]`: prints one JWT per user id, in order, lasting `--ttl`. Signed by the local
 * key (`.local/jwt`, created if missing; default 1 h), or with `--issuer` by a deployed stage's test
 * issuer key (RS256, `kid` = its RFC 7638 thumbprint; default 10 min). Nothing else goes to stdout.
 */
import { DEV_TOKEN_USAGE, parseDevTokenArgs } from './dev-token-args';
import { loadLocalSigningKey, mintDevToken } from './jwt';
import { loadTestIssuerKey, mintTestIssuerToken } from './test-issuer-token';

const args = parseDevTokenArgs(process.argv.slice(2));
if (!args.ok) {
  process.stderr.write(`${args.message}\n${DEV_TOKEN_USAGE}\n`);
  process.exit(2);
}

const { ttlSeconds, issuer, userIds } = args;

async function minter(): Promise<(userId: string) => Promise<string>> {
  if (!issuer) {
    const key = await loadLocalSigningKey();
    return (userId) => mintDevToken(userId, { key, ttlSeconds });
  }
  const key = await loadTestIssuerKey(issuer.keyFile).catch((error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  });
  return (userId) =>
    mintTestIssuerToken(userId, { issuer: issuer.issuer, audience: issuer.audience, key, ttlSeconds });
}

const mint = await minter();
const tokens: string[] = [];
// One at a time: thousands of ids stay fast (sub-millisecond each) and the order is the input's.
for (const userId of userIds) tokens.push(await mint(userId));
process.stdout.write(`${tokens.join('\n')}\n`);
