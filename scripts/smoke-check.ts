/**
 * The smoke check's steps: register a device, queue an `incoming_call` for its user, wait for the
 * sender's `push attempt` line of that call, and remove the device again, whatever happened before.
 * Reports through `say` (one line per step); tokens appear only as their `tokenHash`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { SQSClient } from '@aws-sdk/client-sqs';
import { publishIncomingCall } from '../publisher';
import type { ApnsEnvironment } from '../shared/domain/apns-credential';
import { tokenHash } from '../shared/domain/token-hash';
import { type AttemptReader, FINAL_OUTCOMES, type SeenAttempt } from './smoke-attempts';
import type { SmokeTarget } from './smoke-target';

export interface SmokeCheckOptions {
  /** The user id the bearer token names (its `sub`), when known. */
  readonly userId: string;
  readonly bearerToken: string;
  /** A real device's VoIP token; absent: a generated one (APNs then answers BadDeviceToken). */
  readonly voipToken?: string;
  readonly bundleId: string;
  readonly environment: ApnsEnvironment;
  readonly timeoutSeconds: number;
  readonly say: (line: string) => void;
  /** @default 500 ms (CloudWatch Logs is slow to show a line; the console is not) */
  readonly pollMs?: number;
}

export interface SmokeResult {
  /** The check passed: a real token was delivered, or a generated token got APNs' answer. */
  readonly ok: boolean;
  readonly callId: string;
  readonly deviceId: string;
  readonly attempt?: SeenAttempt;
  readonly removed: boolean;
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

async function waitForFinalAttempt(
  reader: AttemptReader,
  callId: string,
  sinceMs: number,
  options: SmokeCheckOptions,
): Promise<SeenAttempt | undefined> {
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  let last: SeenAttempt | undefined;
  while (Date.now() < deadline) {
    const attempts = await reader.read(callId, sinceMs);
    last = attempts.at(-1) ?? last;
    const final = attempts.find((attempt) => FINAL_OUTCOMES.has(attempt.outcome ?? ''));
    if (final) return final;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
  }
  return last;
}

function describeAttempt(attempt: SeenAttempt): string {
  const answer = [attempt.statusCode, attempt.reason].filter((part) => part !== undefined).join(' ');
  const latency = [
    attempt.deliveryLatencyMs !== undefined
      ? `${Math.round(attempt.deliveryLatencyMs)} ms from createdAt`
      : '',
    attempt.apnsLatencyMs !== undefined ? `APNs answered in ${Math.round(attempt.apnsLatencyMs)} ms` : '',
  ].filter(Boolean);
  return `push ${attempt.outcome ?? 'unknown'}${answer ? ` (APNs ${answer})` : ''}, attempt ${attempt.attempt ?? '?'}${latency.length ? `; ${latency.join(', ')}` : ''}`;
}

export async function runSmokeCheck(
  target: SmokeTarget,
  reader: AttemptReader | undefined,
  options: SmokeCheckOptions,
): Promise<SmokeResult> {
  const { say } = options;
  const generated = options.voipToken === undefined;
  const voipToken = options.voipToken ?? randomBytes(32).toString('hex');
  const deviceId = `smoke-${randomUUID().slice(0, 8)}`;
  const callId = `c-smoke-${Date.now()}-${randomUUID().slice(0, 4)}`;
  const path = `/v1/devices/${deviceId}`;
  say(`smoke check against ${target.description}: ${target.apiUrl}`);

  const put = await api(target, options.bearerToken, 'PUT', path, {
    bundleId: options.bundleId,
    environment: options.environment,
    voipToken,
  });
  if (put.status !== 200) {
    say(`registration failed: PUT ${path} → ${put.status} ${(await put.text()).slice(0, 300)}`);
    return { ok: false, callId, deviceId, removed: false };
  }
  say(
    `registered ${deviceId} (${options.bundleId}, ${options.environment}, token ${tokenHash(voipToken)}${generated ? ', generated' : ''})`,
  );

  let attempt: SeenAttempt | undefined;
  let removed = false;
  try {
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
    } else {
      attempt = await waitForFinalAttempt(reader, callId, queuedAt - 60_000, options);
      say(attempt ? describeAttempt(attempt) : `no push attempt logged within ${options.timeoutSeconds} s`);
    }
  } finally {
    const del = await api(target, options.bearerToken, 'DELETE', path);
    say(del.status === 204 ? `removed ${deviceId}` : `could not remove ${deviceId}: DELETE → ${del.status}`);
    removed = del.status === 204;
  }
  const delivered = attempt?.outcome === 'delivered';
  // A generated token is no device's: APNs' answer (BadDeviceToken, then pruned) proves the path works.
  const ok = removed && (delivered || (generated && attempt?.statusCode !== undefined));
  return { ok, callId, deviceId, removed, ...(attempt ? { attempt } : {}) };
}
