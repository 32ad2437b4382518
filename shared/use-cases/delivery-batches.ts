import type { Device, PushKind } from '../domain/device';
import { describeError } from '../lib/helpers';
import { MetricName } from '../platform/metric-names';
import type { DeliveryBatchEntry } from '../ports/delivery-store';
import { recordGiveUpAt, writeWithRetries } from './delivery-state';
import type { FanOutDeps } from './fan-out-deps';

/** One device's result waiting for its batch. */
interface Pending {
  readonly device: Device;
  readonly entry: DeliveryBatchEntry;
  /** An acceptance, or a push the platform may have taken: without its record a redelivery sends it again. */
  readonly guardsARing: boolean;
  /** Writes for it are retried until shortly before this moment (ms since epoch, our clock). */
  readonly until: number;
}

interface Group {
  /** The read group (`DeliveryStore.readGroup`). */
  readonly id: string;
  readonly results: Pending[];
  /** Devices of the group pushed and not yet settled. */
  pushing: number;
  /** Writes the batch when its first result has waited `recordBatchMaxWaitMs`. */
  timer?: ReturnType<typeof setTimeout>;
}

export interface DeliveryBatchesOf {
  readonly callId: string;
  readonly pushType: PushKind;
  /** Each recipient's read group (`DeliveryStore.readGroup`, worked out once per recipient). */
  readonly groupOf: (userId: string) => string;
  /** ms since epoch when the invocation times out: retries stop before it. */
  readonly invocationEndMs?: number;
  /** Called once per device when its batch is written or given up on. */
  readonly onWritten: (device: Device) => void;
}

/**
 * The default mode's only write (docs/adr/0013-delivery-batches.md): the results of one call event's
 * pushes, buffered per read group (shard) and written as one item per batch, so a call costs about a
 * write unit per KB of results instead of one per device. A group's batch is written when it is full
 * (`recordBatchSize`), when its first result has waited `recordBatchMaxWaitMs` (a slow or hung push does
 * not hold back the others' records, which receipts and redeliveries read), and once every recipient is
 * looked up, as soon as none of its devices is still being pushed; `close` writes the rest and waits for
 * every write. A failing write is retried with backoff while it guards a ring (`writeWithRetries`, as
 * strict mode's completion).
 */
export class DeliveryBatches {
  private readonly groups = new Map<string, Group>();
  private readonly writes: Promise<void>[] = [];
  private allLookedUp = false;

  constructor(
    private readonly deps: FanOutDeps,
    private readonly of: DeliveryBatchesOf,
  ) {}

  /** A device of `userId` is about to be pushed: its group waits for it before writing. */
  pushing(userId: string): void {
    this.group(userId).pushing += 1;
  }

  /** A device's result, to be written with its group's batch. */
  add(
    device: Device,
    entry: Omit<DeliveryBatchEntry, 'userId' | 'deviceId'>,
    guardsARing: boolean,
    until: number,
  ): void {
    const group = this.group(device.userId);
    group.results.push({
      device,
      entry: { ...entry, userId: device.userId, deviceId: device.deviceId },
      guardsARing,
      until,
    });
    if (group.results.length >= this.deps.options.recordBatchSize) this.write(group);
    else if (group.results.length === 1) {
      // Wall time, not the fan-out's clock: a test clock's sleeps end at once, and this is only a bound.
      group.timer = setTimeout(() => this.write(group), this.deps.options.recordBatchMaxWaitMs);
      group.timer.unref?.();
    }
  }

  /** The push of a device of `userId` is over (whether or not it added a result). */
  settled(userId: string): void {
    const group = this.group(userId);
    group.pushing -= 1;
    if (this.allLookedUp && group.pushing === 0) this.write(group);
  }

  /** Every recipient's devices are known: a group with nothing left in flight writes now. */
  lookupsDone(): void {
    this.allLookedUp = true;
    for (const group of this.groups.values()) if (group.pushing === 0) this.write(group);
  }

  /** Writes what is left and waits for every write (each ends stored or given up on, never rejects). */
  async close(): Promise<void> {
    for (const group of this.groups.values()) this.write(group);
    await Promise.all(this.writes);
  }

  private group(userId: string): Group {
    const id = this.of.groupOf(userId);
    let group = this.groups.get(id);
    if (!group) {
      group = { id, results: [], pushing: 0 };
      this.groups.set(id, group);
    }
    return group;
  }

  private write(group: Group): void {
    clearTimeout(group.timer);
    if (group.results.length === 0) return;
    const batch = group.results.splice(0);
    this.writes.push(this.store(group.id, batch));
  }

  private async store(groupId: string, batch: readonly Pending[]): Promise<void> {
    const { deps } = this;
    const guarding = batch.filter((p) => p.guardsARing);
    const giveUpAt =
      guarding.length > 0
        ? recordGiveUpAt(deps, Math.min(...guarding.map((p) => p.until)), this.of.invocationEndMs)
        : Number.NEGATIVE_INFINITY;
    const where = { callId: this.of.callId, devices: batch.length };
    try {
      const written = await writeWithRetries(
        deps,
        giveUpAt,
        () =>
          deps.deliveries.recordBatch({
            callId: this.of.callId,
            pushType: this.of.pushType,
            group: groupId,
            entries: batch.map((p) => p.entry),
          }),
        (error) =>
          deps.log.warn('delivery batch not written, retrying', { ...where, error: describeError(error) }),
      );
      if (written.ok) {
        if (written.attempts > 1)
          deps.log.info('delivery batch written after retries', { ...where, attempts: written.attempts });
        return;
      }
      if (guarding.length > 0) {
        // Out of time: a redelivery would not know these devices were accepted (or maybe were).
        // One line per device, as for one record: operators look the device up.
        deps.metrics.count(MetricName.DeliveryRecordLost, guarding.length);
        for (const p of guarding)
          deps.log.error('record lost', {
            callId: this.of.callId,
            deviceId: p.device.deviceId,
            attempts: written.attempts,
            apnsId: p.entry.apnsId,
            error: describeError(written.error),
          });
      } else {
        // The platform took none of these pushes: a redelivery just sends them again.
        deps.log.error('delivery batch not written', { ...where, error: describeError(written.error) });
      }
    } finally {
      for (const p of batch) this.of.onWritten(p.device);
    }
  }
}
