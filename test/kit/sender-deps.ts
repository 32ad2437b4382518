import { randomUUID } from 'node:crypto';
import { InMemoryDeliveryStore } from '../../local/memory-delivery-store';
import { ApnsGateway } from '../../shared/adapters/apns/apns-gateway';
import type { ApnsTransport } from '../../shared/adapters/apns/apns-transport';
import { FcmGateway } from '../../shared/adapters/fcm/fcm-gateway';
import type { FcmSender } from '../../shared/adapters/fcm/fcm-outcome';
import type { Device } from '../../shared/domain/device';
import type { CredentialProvider } from '../../shared/ports/credential-provider';
import type { DeliveryStore } from '../../shared/ports/delivery-store';
import type { DeviceRepository } from '../../shared/ports/device-repository';
import type { LogSink } from '../../shared/ports/log';
import type { MetricsSink } from '../../shared/ports/metrics';
import {
  type Clock,
  DEFAULT_FAN_OUT_OPTIONS,
  type FanOutDeps,
  type FanOutOptions,
} from '../../shared/use-cases/fan-out-deps';
import { FakeApnsTransport } from '../fakes/fake-apns-transport';
import { FakeDeviceRepository } from '../fakes/fake-device-repository';
import { FakeFcmTransport } from '../fakes/fake-fcm-transport';
import { MemoryLogSink, MemoryMetricsSink } from '../fakes/memory-telemetry';
import { CALL_CREATED_AT } from './call-events';
import { anFcmCredential, aTokenCredential, FakeCredentials } from './credentials';

/** A clock the test moves: `sleep` records the wait and advances time at once. */
export class FakeClock implements Clock {
  slept: number[] = [];
  constructor(public current = Date.parse(CALL_CREATED_AT) + 1000) {}
  now = (): number => this.current;
  sleep = async (ms: number): Promise<void> => {
    this.slept.push(ms);
    this.current += ms;
  };
}

/** The real clock, with sleeps that return at once. */
export const instantClock: Clock = { now: () => Date.now(), sleep: async () => undefined };

/** The fan-out's ports, any of them given; the rest are the test doubles. */
export interface FanOutParts {
  readonly devices?: Pick<DeviceRepository, 'listByUser' | 'pruneToken'>;
  /** The APNs transport behind the APNs gateway. @default a FakeApnsTransport */
  readonly apns?: Pick<ApnsTransport, 'send'>;
  /** The FCM transport behind the FCM gateway. @default a FakeFcmTransport */
  readonly fcm?: Pick<FcmSender, 'send'>;
  readonly credentials?: CredentialProvider;
  readonly deliveries?: DeliveryStore;
  readonly clock?: Clock;
  readonly log?: LogSink;
  readonly metrics?: MetricsSink;
  /** @default () => 0.5 */
  readonly random?: () => number;
  readonly options?: Partial<FanOutOptions>;
}

/** FanOutDeps as the sender wires them (the APNs gateway over a transport), from test doubles. */
export function fanOutDeps(parts: FanOutParts = {}): FanOutDeps {
  const clock = parts.clock ?? instantClock;
  return {
    devices: parts.devices ?? new FakeDeviceRepository(),
    gateways: {
      ios: new ApnsGateway({ transport: parts.apns ?? new FakeApnsTransport(), newApnsId: randomUUID }),
      android: new FcmGateway({ transport: parts.fcm ?? new FakeFcmTransport(), now: clock.now }),
    },
    credentials: parts.credentials ?? new FakeCredentials(),
    deliveries: parts.deliveries ?? new InMemoryDeliveryStore(clock.now),
    clock,
    log: parts.log ?? new MemoryLogSink(),
    metrics: parts.metrics ?? new MemoryMetricsSink(),
    random: parts.random ?? (() => 0.5),
    options: { ...DEFAULT_FAN_OUT_OPTIONS, ...parts.options },
  };
}

/** The fan-out over fresh doubles for `devices`, with each double at hand for assertions. */
export function fanOutHarness(devices: readonly Device[], options: Partial<FanOutOptions> = {}) {
  const clock = new FakeClock();
  const apns = new FakeApnsTransport();
  const fcm = new FakeFcmTransport();
  const repo = new FakeDeviceRepository(devices);
  const deliveries = new InMemoryDeliveryStore(clock.now);
  const credentials = new FakeCredentials([aTokenCredential(), anFcmCredential()]);
  const log = new MemoryLogSink();
  const metrics = new MemoryMetricsSink();
  const parts = { devices: repo, apns, fcm, deliveries, credentials, clock, log, metrics, options };
  const deps = fanOutDeps(parts);
  return { deps, clock, apns, fcm, repo, deliveries, credentials, log, metrics };
}
