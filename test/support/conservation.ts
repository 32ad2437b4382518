import { tokenHash } from '../../shared/domain/token-hash';
import type { JsonLine } from './log-capture';

/**
 * Two checks of one run. `checkRings` (below) counts rings at the phone: the promise this service makes.
 * `checkConservation` is the sender's own accounting under the strict policy: for every valid call event
 * and every recipient device exactly ONE terminal outcome is recorded, and APNs accepts at most one push per device per call.
 *
 * Counted only from what an operator would have in production: the sender's JSON log lines, the DLQ,
 * and what APNs accepted (the simulator's record), never from the sender's internals.
 *
 * Per device (from `push attempt` lines and the few per-device error lines):
 *   delivered · pruned · failed(reason)       one `push attempt` line with that outcome
 *   failed(no_credential)                     `no APNs credential for bundle`
 * Per call (the line names the call, not each device), for the devices left without one of the above:
 *   expired                                   `call expired before sending`
 *   dead-lettered(reason)                     the event's message is in the DLQ (redrive or moved there)
 * Anything else is a violation: a device with none (lost), with two (e.g. failed, then delivered by a
 * redelivery, or delivered twice), APNs accepting a push for a device twice for one call (a second
 * ring), a push APNs accepted that no log line records (a silent ring), or a push for an event that is
 * not a valid call of the run.
 *
 * By default the sender does not retry a VoIP push whose outcome was ambiguous (logged `maybeDelivered:
 * true`: the connection dropped or the answer timed out after APNs may have taken it); it ends `failed`
 * with reason `ambiguous_delivery`, so every repeat is a violation. Only with the sender's
 * RETRY_AMBIGUOUS_PUSHES on (`allowAmbiguousRepeats`) is one exception reported apart, not hidden: a
 * repeat that follows such an attempt; `ambiguousRepeats` lists them so tests can bound them.
 */

export type TerminalKind = 'delivered' | 'expired' | 'pruned' | 'failed' | 'dead-lettered';

/**
 * One call of the run. The sender's lines name (callId, deviceId) but not the user, so device ids must be
 * unique across a call's recipients (the harness prefixes them with the user id), and a test checks one
 * push type per callId (a missed_call reuses its incoming_call's callId).
 */
export interface ExpectedCall {
  readonly callId: string;
  /** Every device of every recipient when the event was published, with its VoIP (or alert) token. */
  readonly devices: ReadonlyArray<{ readonly deviceId: string; readonly token: string }>;
}

/** The part of a simulator push the invariant reads (`AcceptedPush` of local/apns-simulator fits). */
export interface AcceptedPushLike {
  readonly token: string;
  readonly payload: unknown;
}

/** A DLQ message: its body (the original event) and the reject reason attribute when the sender moved it. */
export interface DeadLetter {
  readonly body: string;
  readonly reason?: string;
}

export interface ConservationInput {
  readonly calls: readonly ExpectedCall[];
  readonly pushes: readonly AcceptedPushLike[];
  readonly logs: readonly JsonLine[];
  readonly deadLetters?: readonly DeadLetter[];
  /**
   * The sender ran with RETRY_AMBIGUOUS_PUSHES: a repeat that follows an attempt logged `maybeDelivered`
   * goes to `ambiguousRepeats` instead of `violations`. @default false
   */
  readonly allowAmbiguousRepeats?: boolean;
}

export interface DeviceTally {
  readonly callId: string;
  readonly deviceId: string;
  readonly outcomes: Array<{ kind: TerminalKind; reason?: string }>;
  /** Pushes APNs accepted for this device's token carrying this callId. */
  readonly accepted: number;
  /** Attempts the sender logged as failed with `maybeDelivered: true` (APNs may have taken them). */
  readonly ambiguous: number;
}

export interface ConservationReport {
  readonly devices: DeviceTally[];
  /** Terminal outcomes by kind, one per device when the invariant holds. */
  readonly counts: Record<TerminalKind, number>;
  readonly violations: string[];
  /**
   * Devices APNs accepted more than once, each repeat explained by an attempt logged `maybeDelivered`;
   * only with `allowAmbiguousRepeats` (otherwise they are violations).
   */
  readonly ambiguousRepeats: string[];
}

const PER_DEVICE_TERMINAL = new Set(['delivered', 'pruned', 'failed']);

const callIdOfPayload = (payload: unknown): string | undefined =>
  payload && typeof payload === 'object' && typeof (payload as { callId?: unknown }).callId === 'string'
    ? (payload as { callId: string }).callId
    : undefined;

function callIdOfBody(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return callIdOfPayload(parsed);
  } catch {
    return undefined;
  }
}

const key = (callId: string, deviceId: string) => `${callId}\u0000${deviceId}`;

export function checkConservation(input: ConservationInput): ConservationReport {
  const violations: string[] = [];
  const tallies = new Map<string, DeviceTally>();
  const tokenOf = new Map<string, string>();
  const callIds = new Set(input.calls.map((c) => c.callId));
  for (const call of input.calls) {
    for (const device of call.devices) {
      tallies.set(key(call.callId, device.deviceId), {
        callId: call.callId,
        deviceId: device.deviceId,
        outcomes: [],
        accepted: 0,
        ambiguous: 0,
      });
      tokenOf.set(`${call.callId}\u0000${device.token.toLowerCase()}`, device.deviceId);
    }
  }

  // What APNs accepted: at most one per (token, call), and only for calls of the run.
  for (const push of input.pushes) {
    const callId = callIdOfPayload(push.payload);
    if (callId === undefined || !callIds.has(callId)) {
      violations.push(
        `APNs accepted a push for a call that is not a valid event of the run: ${String(callId)}`,
      );
      continue;
    }
    const deviceId = tokenOf.get(`${callId}\u0000${push.token.toLowerCase()}`);
    const tally = deviceId === undefined ? undefined : tallies.get(key(callId, deviceId));
    if (!tally) {
      violations.push(`APNs accepted a push of call ${callId} for a token of no recipient device`);
      continue;
    }
    (tally as { accepted: number }).accepted += 1;
  }

  // Per-device terminal lines.
  const expiredCalls = new Set<string>();
  for (const line of input.logs) {
    const callId = typeof line.callId === 'string' ? line.callId : undefined;
    if (callId === undefined) continue;
    if (line.message === 'call expired before sending') {
      expiredCalls.add(callId);
      continue;
    }
    const deviceId = typeof line.deviceId === 'string' ? line.deviceId : undefined;
    if (deviceId === undefined) continue;
    const tally = tallies.get(key(callId, deviceId));
    if (line.message === 'push attempt' && line.maybeDelivered === true && tally)
      (tally as { ambiguous: number }).ambiguous += 1;
    if (line.message === 'push attempt' && PER_DEVICE_TERMINAL.has(String(line.outcome))) {
      if (!tally) {
        if (callIds.has(callId))
          violations.push(`outcome logged for an unknown device ${deviceId} of ${callId}`);
        continue;
      }
      tally.outcomes.push({
        kind: line.outcome as TerminalKind,
        ...(typeof line.reason === 'string' ? { reason: line.reason } : {}),
      });
    } else if (line.message === 'no APNs credential for bundle' && tally) {
      tally.outcomes.push({ kind: 'failed', reason: 'no_credential' });
    }
  }

  // Per-call dispositions for the devices still without an outcome.
  const deadLettered = new Map<string, string>();
  for (const letter of input.deadLetters ?? []) {
    const callId = callIdOfBody(letter.body);
    if (callId !== undefined) deadLettered.set(callId, letter.reason ?? 'redrive');
  }
  for (const tally of tallies.values()) {
    if (tally.outcomes.length > 0) continue;
    if (expiredCalls.has(tally.callId)) tally.outcomes.push({ kind: 'expired' });
    else if (deadLettered.has(tally.callId))
      tally.outcomes.push({ kind: 'dead-lettered', reason: deadLettered.get(tally.callId) as string });
  }

  const ambiguousRepeats: string[] = [];
  const counts: Record<TerminalKind, number> = {
    delivered: 0,
    expired: 0,
    pruned: 0,
    failed: 0,
    'dead-lettered': 0,
  };
  for (const tally of tallies.values()) {
    const where = `${tally.callId}/${tally.deviceId}`;
    if (tally.outcomes.length === 0) violations.push(`${where}: no terminal outcome (lost)`);
    if (tally.outcomes.length > 1)
      violations.push(
        `${where}: ${tally.outcomes.length} terminal outcomes (${tally.outcomes.map((o) => o.kind).join(', ')})`,
      );
    const delivered = tally.outcomes.filter((o) => o.kind === 'delivered').length;
    const unexplained = tally.accepted - Math.max(delivered, 1) - tally.ambiguous;
    if (input.allowAmbiguousRepeats && tally.accepted > 1 && unexplained <= 0 && delivered <= 1)
      ambiguousRepeats.push(
        `${where}: APNs accepted ${tally.accepted} after ${tally.ambiguous} ambiguous attempt(s)`,
      );
    else if (tally.accepted > 1)
      violations.push(`${where}: APNs accepted ${tally.accepted} pushes (rang twice)`);
    if (tally.accepted > delivered + tally.ambiguous)
      violations.push(`${where}: APNs accepted a push that no log line records`);
    if (delivered > tally.accepted)
      violations.push(`${where}: logged as delivered but APNs has no such push`);
    const first = tally.outcomes[0];
    if (first) counts[first.kind] += 1;
  }
  return { devices: [...tallies.values()], counts, violations, ambiguousRepeats };
}

/**
 * Rings counted at the phone (docs/reliability.md, what counts as a ring): every device of every valid
 * call rings exactly once, or it never rang and ends with a recorded reason. A push is not a ring: a
 * repeat the app de-duplicated by callId is allowed (it is what a retry of an ambiguous push costs), a
 * second ring is not. It holds whether or not the sender retries ambiguous pushes.
 *
 * Read from the phones (local/phone-app.ts: every push with what the app did with it), the sender's JSON
 * lines and the DLQ. A device that never rang needs one of these recorded reasons:
 *   expired          `call expired before sending`, or a push attempt logged `expired`
 *   pruned           a push attempt logged `pruned` (the token is dead)
 *   failed           a push attempt logged `failed` (a permanent error, or the ring window ran out)
 *   dead-lettered    the event's message is in the DLQ
 * A `delivered` line alone is no reason: a push the sender counts as delivered that rang no phone is a
 * lost ring (the phone got it late, or not at all).
 */
export type RingOutcome = 'rang' | 'expired' | 'pruned' | 'failed' | 'dead-lettered';

/** The part of a phone's record the check reads (`PhonePushRecord` of local/phone-app.ts fits). */
export interface PhonePushLike {
  readonly tokenHash: string;
  readonly callId?: string;
  readonly disposition: string;
}

export interface RingInput {
  readonly calls: readonly ExpectedCall[];
  readonly phones: readonly PhonePushLike[];
  readonly logs: readonly JsonLine[];
  readonly deadLetters?: readonly DeadLetter[];
}

export interface DeviceRings {
  readonly callId: string;
  readonly deviceId: string;
  readonly rings: number;
  /** Pushes for this call the phone got and did not ring for (repeats, late ones). */
  readonly repeats: number;
  /** Why it never rang, when it did not (the first recorded reason). */
  readonly reason?: Exclude<RingOutcome, 'rang'>;
  readonly detail?: string;
}

export interface RingReport {
  readonly devices: DeviceRings[];
  /** One outcome per device when the invariant holds. */
  readonly counts: Record<RingOutcome, number>;
  /** Pushes the phones de-duplicated or found late: pushes that were not rings. */
  readonly repeats: number;
  readonly violations: string[];
}

const CALL_DISPOSITIONS = new Set(['rang', 'duplicate', 'late']);
const REASON_OUTCOMES = new Set(['expired', 'pruned', 'failed']);

export function checkRings(input: RingInput): RingReport {
  const violations: string[] = [];
  const byDevice = new Map<string, { callId: string; deviceId: string; rings: number; repeats: number }>();
  const deviceOfHash = new Map<string, string>();
  const callIds = new Set(input.calls.map((c) => c.callId));
  for (const call of input.calls)
    for (const device of call.devices) {
      byDevice.set(key(call.callId, device.deviceId), {
        callId: call.callId,
        deviceId: device.deviceId,
        rings: 0,
        repeats: 0,
      });
      deviceOfHash.set(key(call.callId, tokenHash(device.token)), device.deviceId);
    }

  for (const push of input.phones) {
    if (!CALL_DISPOSITIONS.has(push.disposition) || push.callId === undefined) continue;
    if (!callIds.has(push.callId)) {
      violations.push(`a phone got a call push for ${push.callId}, not a valid call of the run`);
      continue;
    }
    const deviceId = deviceOfHash.get(key(push.callId, push.tokenHash));
    const tally = deviceId === undefined ? undefined : byDevice.get(key(push.callId, deviceId));
    if (!tally) {
      violations.push(`a phone that is no recipient of ${push.callId} got its call push`);
      continue;
    }
    if (push.disposition === 'rang') tally.rings += 1;
    else tally.repeats += 1;
  }

  const reasons = new Map<string, { reason: Exclude<RingOutcome, 'rang'>; detail?: string }>();
  const expiredCalls = new Set<string>();
  for (const line of input.logs) {
    if (typeof line.callId !== 'string') continue;
    if (line.message === 'call expired before sending') expiredCalls.add(line.callId);
    if (typeof line.deviceId !== 'string') continue;
    const where = key(line.callId, line.deviceId);
    if (reasons.has(where) || !byDevice.has(where)) continue;
    if (line.message === 'push attempt' && REASON_OUTCOMES.has(String(line.outcome)))
      reasons.set(where, {
        reason: line.outcome as 'expired' | 'pruned' | 'failed',
        ...(typeof line.reason === 'string' ? { detail: line.reason } : {}),
      });
    else if (line.message === 'no APNs credential for bundle')
      reasons.set(where, { reason: 'failed', detail: 'no_credential' });
  }
  const deadLettered = new Map<string, string>();
  for (const letter of input.deadLetters ?? []) {
    const callId = callIdOfBody(letter.body);
    if (callId !== undefined) deadLettered.set(callId, letter.reason ?? 'redrive');
  }

  const counts: Record<RingOutcome, number> = {
    rang: 0,
    expired: 0,
    pruned: 0,
    failed: 0,
    'dead-lettered': 0,
  };
  const devices: DeviceRings[] = [];
  let repeats = 0;
  for (const [where, tally] of byDevice) {
    repeats += tally.repeats;
    const label = `${tally.callId}/${tally.deviceId}`;
    if (tally.rings > 1) violations.push(`${label}: rang ${tally.rings} times`);
    if (tally.rings >= 1) {
      counts.rang += 1;
      devices.push({ ...tally });
      continue;
    }
    const recorded =
      reasons.get(where) ??
      (expiredCalls.has(tally.callId) ? { reason: 'expired' as const } : undefined) ??
      (deadLettered.has(tally.callId)
        ? { reason: 'dead-lettered' as const, detail: deadLettered.get(tally.callId) as string }
        : undefined);
    if (!recorded) {
      violations.push(`${label}: never rang and no reason is recorded (lost)`);
      devices.push({ ...tally });
      continue;
    }
    counts[recorded.reason] += 1;
    devices.push({ ...tally, ...recorded });
  }
  return { devices, counts, repeats, violations };
}
