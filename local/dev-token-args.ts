/**
 * The arguments of `npm run --silent dev-token -- [--ttl <lifetime>] [--issuer <url> --key <file>
 * --audience <aud>] <userId> [<userId> ...]`.
 */
export const DEV_TOKEN_USAGE =
  'usage: npm run --silent dev-token -- [--ttl <lifetime>] [--issuer <url> --key <file> --audience <aud>] <userId> [<userId> ...]\n' +
  '  --ttl       how long the tokens last: seconds (600) or with a unit (90s, 10m, 12h, 7d); default 1h, 10m with --issuer\n' +
  "  --issuer    sign for a deployed stage's test issuer (TestIssuerUrl, verbatim) instead of the local stack\n" +
  '  --key       with --issuer: the RSA private key (PEM or JWK file) whose public half the stage was deployed with\n' +
  '  --audience  with --issuer: the aud claim (TestIssuerAudience, voip-push-smoke)';

export const DEFAULT_TTL_SECONDS = 3600;
/** Test-issuer tokens are for a smoke check: a few minutes, so a leaked one is soon worthless. */
export const DEFAULT_ISSUER_TTL_SECONDS = 600;
/** A year: longer-lived dev tokens are a mistake more often than a wish. */
export const MAX_TTL_SECONDS = 366 * 86_400;

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** Sign for a deployed test issuer rather than with the local key. */
export interface IssuerSigning {
  readonly issuer: string;
  readonly keyFile: string;
  readonly audience: string;
}

export type DevTokenArgs =
  | {
      readonly ok: true;
      readonly ttlSeconds: number;
      readonly userIds: readonly string[];
      readonly issuer?: IssuerSigning;
    }
  | { readonly ok: false; readonly message: string };

/** `600`, `90s`, `10m`, `12h`, `7d` → seconds, or undefined when it is none of these or out of range. */
export function parseLifetime(raw: string): number | undefined {
  const match = /^(\d{1,9})([smhd]?)$/.exec(raw.trim());
  if (!match) return undefined;
  const seconds = Number(match[1]) * (UNIT_SECONDS[match[2] || 's'] as number);
  return seconds >= 1 && seconds <= MAX_TTL_SECONDS ? seconds : undefined;
}

const OPTIONS = ['ttl', 'issuer', 'key', 'audience'] as const;
type OptionName = (typeof OPTIONS)[number];

/** Options come first (`--ttl 10m` or `--ttl=10m`); `--` ends them, so a user id may start with `-`. */
export function parseDevTokenArgs(argv: readonly string[]): DevTokenArgs {
  const values: Partial<Record<OptionName, string>> = {};
  let index = 0;
  for (; index < argv.length; index++) {
    const arg = argv[index] as string;
    if (arg === '--') {
      index++;
      break;
    }
    if (!arg.startsWith('-')) break;
    const match = /^--([a-z]+)(?:=(.*))?$/s.exec(arg);
    const name = OPTIONS.find((option) => option === match?.[1]);
    if (!match || !name) return { ok: false, message: `unknown option ${arg}` };
    const raw = match[2] ?? argv[++index];
    if (raw === undefined || raw === '') return { ok: false, message: `--${name} needs a value` };
    values[name] = raw;
  }
  const issuer = issuerSigning(values);
  if (typeof issuer === 'string') return { ok: false, message: issuer };
  let ttlSeconds = issuer ? DEFAULT_ISSUER_TTL_SECONDS : DEFAULT_TTL_SECONDS;
  if (values.ttl !== undefined) {
    const parsed = parseLifetime(values.ttl);
    if (parsed === undefined) {
      return {
        ok: false,
        message: `--ttl must be 1 s to 366 d, as seconds or with s/m/h/d (10m, 12h), got "${values.ttl}"`,
      };
    }
    ttlSeconds = parsed;
  }
  const userIds = argv.slice(index);
  if (userIds.length === 0) return { ok: false, message: 'no user id given' };
  if (userIds.includes('')) return { ok: false, message: 'a user id is empty' };
  return { ok: true, ttlSeconds, userIds, ...(issuer ? { issuer } : {}) };
}

/** The three issuer options together, none of them, or the message saying what is missing. */
function issuerSigning(values: Partial<Record<OptionName, string>>): IssuerSigning | undefined | string {
  const { issuer, key, audience } = values;
  if (issuer === undefined) {
    return key !== undefined || audience !== undefined ? '--key and --audience go with --issuer' : undefined;
  }
  if (key === undefined || audience === undefined) return '--issuer needs --key and --audience';
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return `--issuer must be the issuer's URL, got "${issuer}"`;
  }
  if (url.protocol !== 'https:')
    return `--issuer must be an https URL (API Gateway fetches its JWKS), got "${issuer}"`;
  return { issuer, keyFile: key, audience };
}
