/**
 * The smoke check's steps: register a device per platform, queue one `incoming_call` for their user,
 * wait for the sender's `push attempt` line of that call for each device's token, and remove the
 * devices again, whatever happened before. Reports through `say` (one line per step); tokens appear
 * only as their `tokenHash`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { SQSClient } from '@aws-sdk/client-sqs';
import { publishIncomingCall } from '../publisher';
import type { ApnsEnvironment } from '../shared/domain/apns-credential';
import { tokenHash } from '../shared/domain/token-hash';
import { type AttemptReader, FINAL_OUTCOMES, type SeenAttempt } from './smoke-attempts';
import type { SmokeTarget } from './smoke-target';

/** One device to ring; without a token a generated one is registered (no device's). */
export type SmokeDevice =
  | {
      readonly platform: 'ios';
      readonly bundleId: string;
      readonly environment: ApnsEnvironment;
      /** A real iPhone's VoIP token; absent: a generated one (APNs then answers BadDeviceToken). */
      readonly voipToken?: string;
    }
  | {
      readonly platform: 'android';
      /** The package name. */
      readonly bundleId: string;
      /** A real device's FCM token; absent: a generated one (FCM then answers INVALID_ARGUMENT or UNREGISTERED). */
      readonly fcmToken?: string;
    };

export interface SmokeCheckOptions {
  /** The user id the bearer token names (its `sub`), when known. */
  readonly userId: string;
  readonly bearerToken: string;
  /** Rung by the one call, at most one per platform. */
  readonly devices: readonly [SmokeDevice, ...SmokeDevice[]];
  readonly timeoutSeconds: number;
  readonly say: (line: string) => void;
  /** @default 500 ms (CloudWatch Logs is slow to show a line; the console is not) */
  readonly pollMs?: number;
}

export interface SmokeDeviceResult {
  readonly deviceId: string;
  readonly platform: SmokeDevice['platform'];
  readonly tokenHash: string;
  readonly generated: boolean;
  readonly attempt?: SeenAttempt;
  /** Delivered, or a generated token got the provider's answer for a token that is no device's. */
  readonly ok: boolean;
}

export interface SmokeResult {
  /** The check passed: every device passed and was removed again. */
  readonly ok: boolean;
  readonly callId: string;
  /** The devices registered (a failed registration stops there). */
  readonly devices: readonly SmokeDeviceResult[];
  readonly removed: boolean;
}

/** FCM's answers to a token no app holds: a generated token's, which prove the path to FCM works. */
const FCM_FOREIGN_TOKEN_REASONS: ReadonlySet<string> = new Set(['INVALID_ARGUMENT', 'UNREGISTERED']);
/** APNs' answers to a token no device holds; any other (a 403 for the credential, say) is a failure. */
const APNS_FOREIGN_TOKEN_REASONS: ReadonlySet<string> = new Set(['BadDeviceToken', 'Unregistered']);

interface Registration {
  readonly device: SmokeDevice;
  readonly deviceId: string;
  readonly token: string;
  readonly generated: boolean;
}

/** An FCM-shaped registration token (`<instance id>:APA91b<base64url>`, as FCM issues them). */
export function generatedFcmToken(): string {
  return `${randomBytes(16).toString('base64url').slice(0, 22)}:APA91b${randomBytes(105).toString('base64url')}`;
}

function registrationOf(device: SmokeDevice): Registration {
  const deviceId = `smoke-${randomUUID().slice(0, 8)}`;
  const given = device.platform === 'ios' ? device.voipToken : device.fcmToken;
  const token = given ?? (device.platform === 'ios' ? randomBytes(32).toString('hex') : generatedFcmToken());
  return { device, deviceId, token, generated: given === undefined };
}

function bodyOf({ device, token }: Registration): Record<string, string> {
  return device.platform === 'ios'
    ? { bundleId: device.bundleId, environment: device.environment, voipToken: token }
    : { platform: 'android', bundleId: device.bundleId, fcmToken: token };
}

function registeredLine({ device, deviceId, token, generated }: Registration): string {
  const app =
    device.platform === 'ios' ? `${device.bundleId}, ${device.environment}` : `android, ${device.bundleId}`;
  return `registered ${deviceId} (${app}, token ${tokenHash(token)}${generated ? ', generated' : ''})`;
}

async function api(target: SmokeTarget, token: string, method: string, path: string, body?: unknown) {
  return fetch(`${target.apiUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** Each token's final attempt (or its last one at the deadline), by token hash. */
async function waitForFinalAttempts(
  reader: AttemptReader,
  callId: string,
  sinceMs: number,
  hashes: readonly string[],
  options: SmokeCheckOptions,
): Promise<Map<string, SeenAttempt>> {
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  const seen = new Map<string, SeenAttempt>();
  const final = new Set<string>();
  while (Date.now() < deadline) {
    for (const attempt of await reader.read(callId, sinceMs)) {
      const hash = attempt.tokenHash ?? '';
      if (!hashes.includes(hash) || final.has(hash)) continue;
      seen.set(hash, attempt);
      if (FINAL_OUTCOMES.has(attempt.outcome ?? '')) final.add(hash);
    }
    if (final.size === hashes.length) break;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
  }
  return seen;
}

function describeAttempt(attempt: SeenAttempt, provider: 'APNs' | 'FCM'): string {
  const answer = [attempt.statusCode, attempt.reason].filter((part) => part !== undefined).join(' ');
  const latency = [
    attempt.deliveryLatencyMs !== undefined
      ? `${Math.round(attempt.deliveryLatencyMs)} ms from createdAt`
      : '',
    attempt.apnsLatencyMs !== undefined
      ? `${provider} answered in ${Math.round(attempt.apnsLatencyMs)} ms`
      : '',
  ].filter(Boolean);
  return `push ${attempt.outcome ?? 'unknown'}${answer ? ` (${provider} ${answer})` : ''}, attempt ${attempt.attempt ?? '?'}${latency.length ? `; ${latency.join(', ')}` : ''}`;
}

export function passed(
  registration: Pick<Registration, 'device' | 'generated'>,
  attempt: Pick<SeenAttempt, 'outcome' | 'reason'> | undefined,
): boolean {
  if (attempt?.outcome === 'delivered') return true;
  if (!registration.generated) return false;
  // A generated token is no device's: the provider's answer to it (APNs: BadDeviceToken, then pruned;
  // FCM: INVALID_ARGUMENT or UNREGISTERED) proves the path works.
  const reasons =
    registration.device.platform === 'ios' ? APNS_FOREIGN_TOKEN_REASONS : FCM_FOREIGN_TOKEN_REASONS;
  return reasons.has(attempt?.reason ?? '');
}

export async function runSmokeCheck(
  target: SmokeTarget,
  reader: AttemptReader | undefined,
  options: SmokeCheckOptions,
): Promise<SmokeResult> {
  const { say } = options;
  const callId = `c-smoke-${Date.now()}-${randomUUID().slice(0, 4)}`;
  say(`smoke check against ${target.description}: ${target.apiUrl}`);

  const registered: Registration[] = [];
  let attempts = new Map<string, SeenAttempt>();
  let registrationFailed = false;
  let removed = true;
  try {
    for (const device of options.devices) {
      const registration = registrationOf(device);
      const path = `/v1/devices/${registration.deviceId}`;
      const put = await api(target, options.bearerToken, 'PUT', path, bodyOf(registration));
      if (put.status !== 200) {
        say(`registration failed: PUT ${path} → ${put.status} ${(await put.text()).slice(0, 300)}`);
        registrationFailed = true;
        break;
      }
      registered.push(registration);
      say(registeredLine(registration));
    }
    if (!registrationFailed) attempts = await ring(target, reader, callId, registered, options);
  } finally {
    for (const { deviceId } of registered) {
      const del = await api(target, options.bearerToken, 'DELETE', `/v1/devices/${deviceId}`);
      say(
        del.status === 204 ? `removed ${deviceId}` : `could not remove ${deviceId}: DELETE → ${del.status}`,
      );
      removed &&= del.status === 204;
    }
  }
  const devices = registered.map((registration): SmokeDeviceResult => {
    const hash = tokenHash(registration.token);
    const attempt = attempts.get(hash);
    return {
      deviceId: registration.deviceId,
      platform: registration.device.platform,
      tokenHash: hash,
      generated: registration.generated,
      ...(attempt ? { attempt } : {}),
      ok: passed(registration, attempt),
    };
  });
  const ok = !registrationFailed && removed && devices.every((device) => device.ok);
  return { ok, callId, devices, removed: removed && registered.length > 0 };
}

/** Queues the call to the registered devices and reports each device's push attempt. */
async function ring(
  target: SmokeTarget,
  reader: AttemptReader | undefined,
  callId: string,
  registered: readonly Registration[],
  options: SmokeCheckOptions,
): Promise<Map<string, SeenAttempt>> {
  const { say } = options;
  const sqs = new SQSClient(target.sqs);
  const queuedAt = Date.now();
  try {
    const published = await publishIncomingCall(sqs, target.queueUrl, {
      callId,
      recipients: [options.userId],
      caller: { id: 'voip-push-smoke', displayName: 'Smoke check' },
      ringTimeoutSeconds: Math.min(120, options.timeoutSeconds),
    });
    if (!published.ok) throw new Error(`the call was not queued: ${published.code} ${published.message}`);
  } finally {
    sqs.destroy();
  }
  say(`queued incoming_call ${callId}`);
  if (!reader) {
    say(`cannot read the sender's log: ${target.attempts.kind === 'none' ? target.attempts.why : ''}`);
    return new Map();
  }
  const hashes = registered.map((registration) => tokenHash(registration.token));
  const attempts = await waitForFinalAttempts(reader, callId, queuedAt - 60_000, hashes, options);
  for (const registration of registered) {
    const attempt = attempts.get(tokenHash(registration.token));
    const provider = registration.device.platform === 'ios' ? 'APNs' : 'FCM';
    const whose = registered.length > 1 ? ` for ${registration.deviceId}` : '';
    say(
      attempt
        ? describeAttempt(attempt, provider)
        : `no push attempt logged${whose} within ${options.timeoutSeconds} s`,
    );
  }
  return attempts;
}
