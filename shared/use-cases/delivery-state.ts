import type { ApnsEnvironment } from '../domain/apns-credential';
import { AMBIGUOUS_DELIVERY, type DeviceOutcome } from '../domain/delivery-outcome';
import type { Device, PushKind } from '../domain/device';
import { describeError, equalJitterBackoffMs } from '../lib/helpers';
import { MetricName } from '../platform/metric-names';
import type { ClaimResult, DeliveryKey, DeliveryRecord } from '../ports/delivery-store';
import type { FanOutDeps, PreparedCall } from './fan-out-deps';

/**
 * The delivery state of the fan-out: every read and write of the deliveries table the sender makes,
 * and what they mean for a device (docs/adr/0010-one-write-per-push.md, 0013-delivery-batches.md).
 * Before the push: read the (call, recipient, device, push kind) delivery, so a redelivered or duplicated
 * event does not push again to a device already accepted. After it: write where the pushes ended up, in
 * batches (delivery-batches.ts), retried while a lost record could let a redelivery push again. A concurrent duplicate may push a device twice: the app shows one
 * call per callId, so that is not a second ring. Strict mode (retryAmbiguousPushes off) keeps at most one
 * accepted push per device instead: a lease is claimed before the push and the answer written under it.
 */

/** Our claim on a device's delivery record. */
export interface Lease {
  /** The lease id in strict mode; undefined when the default mode read the record without a lease. */
  readonly id: string | undefined;
  /** ms since epoch (our clock) after which a redelivery may claim the device again. */
  readonly until: number;
}

/** Where the pushes to one device ended up, after every retry: what the delivery record keeps. */
export interface DeliveryResult {
  readonly outcome: 'delivered' | 'pruned' | 'failed' | 'deferred';
  readonly reason?: string;
  /** The platform's id of the last attempt (apns-id). */
  readonly pushId: string;
  readonly statusCode?: number;
  /** The host that answered the last attempt (differs from the device's after environment_mismatch). */
  readonly environment?: ApnsEnvironment;
  readonly attempts: number;
  /** ISO, our clock; only for `delivered`. */
  readonly acceptedAt?: string;
}

/** The claim's answer: ours to send, or an outcome that ends this device without a push. */
export type ClaimOutcome =
  | { readonly kind: 'claimed'; readonly lease: Lease }
  | { readonly kind: 'skip'; readonly outcome: Omit<DeviceOutcome, 'userId' | 'deviceId'> };

/**
 * The record of this push: deviceIds are unique only per user, and a missed_call's alert reuses its
 * incoming_call's callId, so both the recipient and the push kind are part of it.
 */
export function deliveryKeyOf(call: PreparedCall, device: Device): DeliveryKey {
  return {
    callId: call.event.callId,
    userId: device.userId,
    deviceId: device.deviceId,
    pushType: call.kind,
  };
}

/**
 * Whether the device is ours to push. Already accepted (or, in strict mode, maybe accepted: an ambiguous
 * outcome) → `duplicate`, not sent again; a strict-mode worker holds the lease → `deferred` to a
 * redelivery. The default mode only reads; strict mode claims a lease for `leaseMs`. Throws when the
 * store fails (nothing was sent then).
 */
export async function claimDelivery(
  deps: FanOutDeps,
  call: PreparedCall,
  device: Device,
): Promise<ClaimOutcome> {
  // Read before the claim: the store's lease ends a little later than this, never earlier.
  const leaseUntil = deps.clock.now() + deps.options.leaseMs;
  const key = deliveryKeyOf(call, device);
  let claim: ClaimResult;
  if (deps.options.retryAmbiguousPushes) {
    // The same push already under way in this process (the event twice in one batch): one is enough.
    const inFlight = pushesInFlight(deps.deliveries);
    const id = inFlightId(key);
    if (inFlight.has(id)) return { kind: 'skip', outcome: { outcome: 'duplicate', attempts: 0 } };
    inFlight.add(id);
    try {
      const recorded = await call.recorded(device.userId);
      claim = readClaim(recorded.get(recordedId(device.userId, device.deviceId)), deps.clock.now());
    } catch (error) {
      inFlight.delete(id);
      throw error;
    }
    if (claim.kind !== 'claimed') inFlight.delete(id);
  } else {
    claim = await deps.deliveries.claim(key, deps.options.leaseMs);
  }
  switch (claim.kind) {
    case 'claimed':
      // The default mode reads without a lease: there is no lease id to write under.
      return {
        kind: 'claimed',
        lease: { id: deps.options.retryAmbiguousPushes ? undefined : claim.leaseId, until: leaseUntil },
      };
    case 'already_accepted':
    case 'already_sent':
      return {
        kind: 'skip',
        outcome: {
          outcome: 'duplicate',
          attempts: 0,
          ...(claim.kind === 'already_sent' ? { reason: AMBIGUOUS_DELIVERY } : {}),
          ...(claim.record.apnsId ? { apnsId: claim.record.apnsId } : {}),
        },
      };
    case 'leased':
      return { kind: 'skip', outcome: { outcome: 'deferred', reason: 'lease_held', attempts: 0 } };
  }
}

/** Default mode: the pushes this process has claimed and not yet finished, per store (one per handler). */
const inFlightByStore = new WeakMap<object, Set<string>>();

function pushesInFlight(store: object): Set<string> {
  const known = inFlightByStore.get(store);
  if (known) return known;
  const fresh = new Set<string>();
  inFlightByStore.set(store, fresh);
  return fresh;
}

const inFlightId = (key: DeliveryKey) => JSON.stringify([key.callId, key.userId, key.deviceId, key.pushType]);

/** The key of `PreparedCall.recorded`. */
export const recordedId = (userId: string, deviceId: string) => JSON.stringify([userId, deviceId]);

/** `DeliveryStore.readGroup`, worked out once per recipient (a SHA-256 each) for one event. */
export function groupsOnce(deps: FanOutDeps): (userId: string) => string {
  const known = new Map<string, string>();
  return (userId) => {
    let group = known.get(userId);
    if (group === undefined) {
      group = deps.deliveries.readGroup(userId);
      known.set(userId, group);
    }
    return group;
  };
}

/**
 * `PreparedCall.recorded` of one event: one read of the store per read group of its recipients, each
 * made at most once, when its first device asks; a rejection stays handled until a claim awaits it.
 */
export function recordedOnce(
  deps: FanOutDeps,
  callId: string,
  pushType: PushKind,
  recipients: readonly string[],
  groupOf: (userId: string) => string,
): (userId: string) => Promise<ReadonlyMap<string, DeliveryRecord>> {
  const reads = new Map<string, Promise<ReadonlyMap<string, DeliveryRecord>>>();
  // Each group's members, worked out once, on the first read.
  let members: Map<string, string[]> | undefined;
  return (userId) => {
    if (!members) {
      members = new Map();
      for (const u of recipients) {
        const g = groupOf(u);
        const list = members.get(g);
        if (list) list.push(u);
        else members.set(g, [u]);
      }
    }
    const group = groupOf(userId);
    const known = reads.get(group);
    if (known) return known;
    const read = deps.deliveries
      .readCall(callId, pushType, members.get(group) ?? [userId])
      .then((records) => new Map(records.map((r) => [recordedId(r.userId, r.deviceId), r])));
    read.catch(() => undefined);
    reads.set(group, read);
    return read;
  };
}

/** Ends what `claimDelivery` started for this device, however the push ended. */
export function releaseDelivery(deps: FanOutDeps, call: PreparedCall, device: Device): void {
  pushesInFlight(deps.deliveries).delete(inFlightId(deliveryKeyOf(call, device)));
}

/**
 * The default mode's claim, from the record alone: only an acceptance or a strict worker's lease stops
 * it. Its `claimed` carries no lease (the id is empty, and `claimDelivery` uses none).
 */
function readClaim(record: DeliveryRecord | undefined, now: number): ClaimResult {
  if (record?.status === 'accepted') return { kind: 'already_accepted', record };
  if (record?.status === 'sending' && (record.leaseUntil ?? 0) >= now)
    return { kind: 'leased', leaseUntil: record.leaseUntil ?? now };
  return { kind: 'claimed', leaseId: '' };
}

/** Backoff of the writes that guard a ring (exponential, equal jitter), and how early they stop. */
const RECORD_RETRY_BASE_MS = 50;
const RECORD_RETRY_CAP_MS = 1000;
const RECORD_RETRY_MARGIN_MAX_MS = 1000;

/**
 * When retries of a write that guards a ring stop: shortly before `untilMs` (the lease, or the same span
 * from the read) or the invocation's end, a tenth of the lease and at most 1 s earlier.
 */
export function recordGiveUpAt(
  deps: FanOutDeps,
  untilMs: number,
  invocationEndMs: number | undefined,
): number {
  const margin = Math.min(RECORD_RETRY_MARGIN_MAX_MS, deps.options.leaseMs / 10);
  return Math.min(untilMs, invocationEndMs ?? Number.POSITIVE_INFINITY) - margin;
}

/**
 * Runs `write` until it succeeds, retrying with backoff while the wait ends before `giveUpAt`;
 * `onRetry` is told of the first failure that is retried. Never throws: a last failure is returned.
 */
export async function writeWithRetries<T>(
  deps: FanOutDeps,
  giveUpAt: number,
  write: () => Promise<T>,
  onRetry: (error: unknown) => void,
): Promise<
  | { readonly ok: true; readonly value: T; readonly attempts: number }
  | { readonly ok: false; readonly error: unknown; readonly attempts: number }
> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { ok: true, value: await write(), attempts: attempt };
    } catch (error) {
      const delay = equalJitterBackoffMs(
        RECORD_RETRY_BASE_MS,
        RECORD_RETRY_CAP_MS,
        attempt - 1,
        deps.random(),
      );
      if (deps.clock.now() + delay >= giveUpAt) return { ok: false, error, attempts: attempt };
      if (attempt === 1) onRetry(error);
      await deps.clock.sleep(delay);
    }
  }
}

/**
 * Writes where the push ended up. The default mode hands it to the event's batches (`buffered`: written
 * with its read group's, delivery-batches.ts). Strict mode writes it on the device's record under the
 * lease. When the platform accepted the push (or may have: an ambiguous outcome) this record is all that
 * stops a redelivery from sending it again, so a failing write (DynamoDB unavailable) is retried with
 * backoff until shortly before the lease (or, in the default mode, the same span from the read) or the
 * invocation ends. Repeating it is safe: a completion lands only under our lease id, and a batch never
 * hides an acceptance. Other results are written once: if that write fails a redelivery just sends again,
 * which cannot ring twice since the platform did not take the push.
 */
export async function completeDelivery(
  deps: FanOutDeps,
  call: PreparedCall,
  device: Device,
  lease: Lease,
  result: DeliveryResult,
): Promise<'stored' | 'buffered' | 'lost' | 'error'> {
  const where = { callId: call.event.callId, deviceId: device.deviceId };
  const status =
    result.outcome === 'delivered' ? 'accepted' : result.outcome === 'pruned' ? 'pruned' : 'failed';
  const completion = {
    status,
    bundleId: device.bundleId,
    environment: result.environment ?? device.environment,
    apnsId: result.pushId,
    createdAt: call.event.createdAt,
    ...(result.statusCode ? { statusCode: result.statusCode } : {}),
    ...(result.reason ? { reason: result.reason } : {}),
    ...(result.acceptedAt ? { acceptedAt: result.acceptedAt } : {}),
  } as const;
  // An accepted push, or one the platform may have accepted: without its record a redelivery would send it again.
  const guardsARing = result.outcome === 'delivered' || result.reason === AMBIGUOUS_DELIVERY;
  const leaseId = lease.id;
  if (leaseId === undefined) {
    call.results.add(device, completion, guardsARing, lease.until);
    return 'buffered';
  }
  const giveUpAt = guardsARing
    ? recordGiveUpAt(deps, lease.until, call.context.invocationEndMs)
    : Number.NEGATIVE_INFINITY;
  const written = await writeWithRetries(
    deps,
    giveUpAt,
    () => deps.deliveries.complete(deliveryKeyOf(call, device), { ...completion, leaseId }),
    (error) =>
      deps.log.warn('delivery record not written, retrying', { ...where, error: describeError(error) }),
  );
  if (written.ok) {
    if (!written.value) {
      deps.log.warn('delivery lease lost', where);
      return 'lost';
    }
    if (written.attempts > 1)
      deps.log.info('delivery record written after retries', { ...where, attempts: written.attempts });
    return 'stored';
  }
  if (guardsARing) {
    // Out of time: the lease will run out with the record still `sending`.
    deps.metrics.count(MetricName.DeliveryRecordLost);
    deps.log.error('record lost', {
      ...where,
      attempts: written.attempts,
      apnsId: result.pushId,
      error: describeError(written.error),
    });
  } else {
    // The push itself is done and the platform did not take it; the lease runs out on its own.
    deps.log.error('delivery record not written', { ...where, error: describeError(written.error) });
  }
  return 'error';
}
