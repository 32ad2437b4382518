import type { Fault } from './faults';
import type { TrustedSigningKey } from './provider-token-check';

export interface ApnsSimulatorOptions {
  /** @default 0 (any free port) */
  readonly port?: number;
  /** Control API port; `false` for none. @default 0 */
  readonly controlPort?: number | false;
  /** SETTINGS_MAX_CONCURRENT_STREAMS advertised to clients. @default 1000 */
  readonly maxConcurrentStreams?: number;
  /** Every answer is held this long. @default 0 */
  readonly latencyMs?: number;
  /** Keys accepted for token auth. @default the dev key DEVKEY0001 of team DEVTEAM001 */
  readonly signingKeys?: readonly TrustedSigningKey[];
  /** Bundle ids known to the simulator; others answer TopicDisallowed. @default any bundle */
  readonly bundles?: readonly string[];
  /** @default 1 hour */
  readonly tokenMaxAgeMs?: number;
  /** @default 20 minutes */
  readonly tokenMinUpdateIntervalMs?: number;
  /** Record accepted pushes (turn off for long benchmarks). @default true */
  readonly recordPushes?: boolean;
  /** TLS material; defaults are the dev keys. */
  readonly serverCertificate?: string;
  readonly serverKey?: string;
  /** CA that must have issued client certificates. @default the dev CA */
  readonly clientCa?: string;
}

export interface AcceptedPush {
  readonly token: string;
  /** The request's apns-* headers (apns-id added when the request had none). */
  readonly headers: Readonly<Record<string, string>>;
  /** The payload, parsed (the raw text when it is not JSON). */
  readonly payload: unknown;
  readonly auth: 'token' | 'certificate';
  readonly receivedAt: number;
}

export interface SimulatorStats {
  requests: number;
  connections: number;
  /** Most streams ever open at once on one connection. */
  maxOpenStreams: number;
  /** Answers by `<status> <reason>` (`200 OK` for accepted). */
  answers: Record<string, number>;
  /** Faults applied, by kind. */
  faults: Record<string, number>;
  /** PING frames received from clients. */
  pings: number;
}

export interface ApnsSimulator {
  readonly url: string;
  readonly controlUrl: string | undefined;
  readonly caPem: string;
  pushes(): AcceptedPush[];
  stats(): SimulatorStats;
  setFaults(faults: readonly Fault[]): void;
  /** Advertises a new SETTINGS_MAX_CONCURRENT_STREAMS on open and future connections. */
  setMaxConcurrentStreams(value: number): void;
  faults(): Fault[];
  registerToken(token: string, timestampMs?: number): void;
  unregisterToken(token: string, timestampMs?: number): void;
  /** Clears pushes, stats, faults and unregistered tokens. */
  reset(): void;
  close(): Promise<void>;
}
