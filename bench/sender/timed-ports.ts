import type { PushGateway, PushGateways } from '../../shared/ports/push-gateway';
import type { FanOutDeps } from '../../shared/use-cases/fan-out-deps';

/** Cumulative time spent in each port (calls overlap, so the sums can exceed wall time). */
export class PortTimes {
  lookupMs = 0;
  lookups = 0;
  pushMs = 0;
  pushes = 0;
  deliveryMs = 0;
  deliveryCalls = 0;
  logMs = 0;
  logLines = 0;
  /** performance.now() of the first and the last answer that accepted a push since the reset. */
  firstAcceptedAt = Number.NaN;
  lastAcceptedAt = Number.NaN;
  /** Called with performance.now() each time APNs answers. */
  onAnswer: ((at: number) => void) | undefined;

  reset(): void {
    this.lookupMs = this.pushMs = this.deliveryMs = this.logMs = 0;
    this.lookups = this.pushes = this.deliveryCalls = this.logLines = 0;
    this.firstAcceptedAt = this.lastAcceptedAt = Number.NaN;
  }

  accepted(at: number): void {
    if (Number.isNaN(this.firstAcceptedAt)) this.firstAcceptedAt = at;
    this.lastAcceptedAt = at;
  }
}

async function timed<T>(work: () => Promise<T>, add: (ms: number) => void): Promise<T> {
  const start = performance.now();
  try {
    return await work();
  } finally {
    add(performance.now() - start);
  }
}

/** The sender's own ports, each wrapped to add its time to `times`; behaviour unchanged. */
export function timedPorts(deps: FanOutDeps, times: PortTimes): FanOutDeps {
  const { devices, gateways, deliveries, log } = deps;
  const logTimed =
    (level: 'info' | 'warn' | 'error') =>
    (message: string, data?: Record<string, unknown>): void => {
      const start = performance.now();
      log[level](message, data);
      times.logMs += performance.now() - start;
      times.logLines++;
    };
  const timedDelivery = <T>(work: () => Promise<T>): Promise<T> =>
    timed(work, (ms) => {
      times.deliveryMs += ms;
      times.deliveryCalls++;
    });
  return {
    ...deps,
    devices: {
      listByUser: (userId) =>
        timed(
          () => devices.listByUser(userId),
          (ms) => {
            times.lookupMs += ms;
            times.lookups++;
          },
        ),
      pruneToken: (input) => devices.pruneToken(input),
    },
    gateways: Object.fromEntries(
      Object.entries(gateways).map(([platform, gateway]) => [platform, timedGateway(gateway, times)]),
    ) as unknown as PushGateways,
    deliveries: {
      claim: (...args) => timedDelivery(() => deliveries.claim(...args)),
      complete: (...args) => timedDelivery(() => deliveries.complete(...args)),
      recordBatch: (...args) => timedDelivery(() => deliveries.recordBatch(...args)),
      // The default mode's read of the event's records before its pushes: delivery state like the writes.
      get: (...args) => timedDelivery(() => deliveries.get(...args)),
      readCall: (...args) => timedDelivery(() => deliveries.readCall(...args)),
      readGroup: (userId) => deliveries.readGroup(userId),
    },
    log: { info: logTimed('info'), warn: logTimed('warn'), error: logTimed('error') },
  };
}

/** A gateway whose pushes add their time to `times` and report each answer. */
function timedGateway(gateway: PushGateway, times: PortTimes): PushGateway {
  return {
    platform: gateway.platform,
    prepare(call) {
      const prepared = gateway.prepare(call);
      if (!prepared.ok) return prepared;
      const { push } = prepared;
      return {
        ok: true,
        push: {
          tokenOf: (device) => push.tokenOf(device),
          send: async (target) => {
            const answer = await timed(
              () => push.send(target),
              (ms) => {
                times.pushMs += ms;
                times.pushes++;
              },
            );
            const at = performance.now();
            if (answer.decision.kind === 'accepted') times.accepted(at);
            times.onAnswer?.(at);
            return answer;
          },
        },
      };
    },
  };
}
