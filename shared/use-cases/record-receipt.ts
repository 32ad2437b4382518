import { callEventSchema } from '../domain/call-event';
import { parseOrThrow } from '../domain/device-rules';
import { NotFoundError } from '../domain/errors';
import { type ReceiptStage, receiptBodySchema } from '../domain/receipt';
import { MetricName } from '../platform/metric-names';
import type { DeliveryRecord } from '../ports/delivery-store';
import type { DeviceRepository } from '../ports/device-repository';
import type { LogSink } from '../ports/log';
import type { MetricsSink } from '../ports/metrics';
import { isReceiptTarget, type ReceiptStore, STAGE_ATTRIBUTE } from '../ports/receipt-store';

export interface RecordReceiptDeps {
  readonly devices: Pick<DeviceRepository, 'get'>;
  readonly receipts: ReceiptStore;
  readonly log: LogSink;
  readonly metrics: MetricsSink;
  /** Server clock: the receipt's arrival. The phone's clock is never used (phones drift). */
  readonly clock?: () => Date;
}

export interface RecordReceiptRequest {
  /** The authenticated caller (the JWT's `sub`). */
  readonly userId: string;
  /** From the path; validated here. */
  readonly callId: string;
  /** The parsed JSON body; validated here against `receiptBodySchema`. */
  readonly body: unknown;
}

/** The 200 body of `POST /v1/calls/{callId}/receipts`. */
export interface ReceiptView {
  readonly callId: string;
  readonly deviceId: string;
  readonly stage: ReceiptStage;
  readonly receivedAt?: string;
  readonly reportedAt?: string;
  /** First arrival of this stage − APNs' acceptance (both server clock). */
  readonly phoneLatencyMs: number;
  /** First arrival of this stage − the call event's createdAt. */
  readonly endToEndMs: number;
}

export interface ReceiptOutcome {
  readonly view: ReceiptView;
  /** The stage was already recorded: nothing written, the stored values answered again. */
  readonly duplicate: boolean;
  /** The first receipt of any stage for this (call, device): counted as ReceiptReceived. */
  readonly firstReceipt: boolean;
}

export interface ReceiptLatencies {
  readonly phoneLatencyMs: number;
  readonly endToEndMs: number;
}

/**
 * Latencies of a receipt, from server timestamps only: `arrivedAt − acceptedAt` (phone side, after APNs)
 * and `arrivedAt − createdAt` (end to end). Hosts' clocks differ by a few ms, so a tiny negative
 * difference is clamped to 0 rather than reported as time travel.
 */
export function receiptLatencies(
  record: { readonly acceptedAt: string; readonly createdAt: string },
  arrivedAt: string,
): ReceiptLatencies {
  const arrived = Date.parse(arrivedAt);
  return {
    phoneLatencyMs: Math.max(0, arrived - Date.parse(record.acceptedAt)),
    endToEndMs: Math.max(0, arrived - Date.parse(record.createdAt)),
  };
}

/** One answer for every "no": unknown call, unknown device, someone else's device, push never accepted. */
const notFound = () => new NotFoundError('no accepted push for this call and device');

const callIdSchema = callEventSchema.shape.callId;

/**
 * POST /v1/calls/{callId}/receipts: the phone confirms that a call's VoIP push reached the app
 * (`received`) or that CallKit took the report (`reported`). Records the first arrival of each stage,
 * answers repeats with the stored values, measures latency on the server clock.
 */
export async function recordReceipt(
  deps: RecordReceiptDeps,
  request: RecordReceiptRequest,
): Promise<ReceiptOutcome> {
  const callId = parseOrThrow(callIdSchema, request.callId, 'callId');
  const body = parseOrThrow(receiptBodySchema, request.body, 'body');
  const { userId } = request;
  if (!(await deps.devices.get(userId, body.deviceId))) throw notFound();

  const arrivedAt = (deps.clock?.() ?? new Date()).toISOString();
  const attribute = STAGE_ATTRIBUTE[body.stage];
  const write = await deps.receipts.recordStage({
    callId,
    deviceId: body.deviceId,
    userId,
    stage: body.stage,
    at: arrivedAt,
  });
  let record: DeliveryRecord | undefined;
  let firstReceipt = false;
  if (write.kind === 'recorded') {
    record = { ...write.previous, [attribute]: arrivedAt };
    firstReceipt = !write.previous.receivedAt && !write.previous.reportedAt;
  } else {
    record = write.current;
  }
  if (!isReceiptTarget(record, userId)) throw notFound();
  const stageAt = record[attribute];
  if (stageAt === undefined) throw notFound();
  const duplicate = write.kind === 'not_recorded';
  const latencies = receiptLatencies(record, stageAt);

  if (body.apnsId && body.apnsId.toLowerCase() !== record.apnsId?.toLowerCase()) {
    // The app may hold an older push's apns-id (a retry got a new one): accept, but leave a trace.
    deps.log.warn('receipt apnsId differs', {
      callId,
      deviceId: body.deviceId,
      receiptApnsId: body.apnsId,
      recordApnsId: record.apnsId,
    });
  }
  deps.log.info('receipt recorded', {
    callId,
    deviceId: body.deviceId,
    stage: body.stage,
    apnsId: record.apnsId,
    ...latencies,
    duplicate,
    firstReceipt,
  });
  if (firstReceipt) {
    deps.metrics.count(MetricName.ReceiptReceived);
    deps.metrics.milliseconds(MetricName.PhoneLatency, latencies.phoneLatencyMs);
    deps.metrics.milliseconds(MetricName.EndToEndLatency, latencies.endToEndMs);
  }
  return {
    view: {
      callId,
      deviceId: body.deviceId,
      stage: body.stage,
      ...(record.receivedAt ? { receivedAt: record.receivedAt } : {}),
      ...(record.reportedAt ? { reportedAt: record.reportedAt } : {}),
      ...latencies,
    },
    duplicate,
    firstReceipt,
  };
}
