/** The arguments of `npm run --silent dev-token -- [--ttl <lifetime>] <userId> [<userId> ...]`. */
export const DEV_TOKEN_USAGE =
  'usage: npm run --silent dev-token -- [--ttl <lifetime>] <userId> [<userId> ...]\n' +
  '  --ttl  how long the tokens last: seconds (600) or with a unit (90s, 10m, 12h, 7d); default 1h';

export const DEFAULT_TTL_SECONDS = 3600;
/** A year: longer-lived dev tokens are a mistake more often than a wish. */
export const MAX_TTL_SECONDS = 366 * 86_400;

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

export type DevTokenArgs =
  | { readonly ok: true; readonly ttlSeconds: number; readonly userIds: readonly string[] }
  | { readonly ok: false; readonly message: string };

/** `600`, `90s`, `10m`, `12h`, `7d` → seconds, or undefined when it is none of these or out of range. */
export function parseLifetime(raw: string): number | undefined {
  const match = /^(\d{1,9})([smhd]?)$/.exec(raw.trim());
  if (!match) return undefined;
  const seconds = Number(match[1]) * (UNIT_SECONDS[match[2] || 's'] as number);
  return seconds >= 1 && seconds <= MAX_TTL_SECONDS ? seconds : undefined;
}

/** Options come first (`--ttl 10m` or `--ttl=10m`); `--` ends them, so a user id may start with `-`. */
export function parseDevTokenArgs(argv: readonly string[]): DevTokenArgs {
  let ttlSeconds = DEFAULT_TTL_SECONDS;
  let index = 0;
  for (; index < argv.length; index++) {
    const arg = argv[index] as string;
    if (arg === '--') {
      index++;
      break;
    }
    if (!arg.startsWith('-')) break;
    const inline = /^--ttl=(.*)$/.exec(arg);
    if (arg !== '--ttl' && !inline) return { ok: false, message: `unknown option ${arg}` };
    const raw = inline ? inline[1] : argv[++index];
    if (raw === undefined) return { ok: false, message: '--ttl needs a lifetime' };
    const parsed = parseLifetime(raw);
    if (parsed === undefined) {
      return {
        ok: false,
        message: `--ttl must be 1 s to 366 d, as seconds or with s/m/h/d (10m, 12h), got "${raw}"`,
      };
    }
    ttlSeconds = parsed;
  }
  const userIds = argv.slice(index);
  if (userIds.length === 0) return { ok: false, message: 'no user id given' };
  if (userIds.includes('')) return { ok: false, message: 'a user id is empty' };
  return { ok: true, ttlSeconds, userIds };
}
