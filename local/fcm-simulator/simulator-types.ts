import type { Fault } from './faults';
import type { SimulatedServiceAccount } from './oauth';

export interface FcmSimulatorOptions {
  /** @default 0 (any free port) */
  readonly port?: number;
  /** Control API port; `false` for none. @default 0 */
  readonly controlPort?: number | false;
  /** SETTINGS_MAX_CONCURRENT_STREAMS advertised to HTTP/2 clients. @default 100 (what Google's front ends advertise) */
  readonly maxConcurrentStreams?: number;
  /** Every send is answered this late. @default 0 */
  readonly latencyMs?: number;
  /** Service accounts whose JWTs the token endpoint accepts. @default the dev service account */
  readonly serviceAccounts?: readonly SimulatedServiceAccount[];
  /** `expires_in` of issued access tokens. @default 3599 */
  readonly accessTokenLifetimeSeconds?: number;
  /**
   * SETTINGS_INITIAL_WINDOW_SIZE advertised to HTTP/2 clients. 0 stalls every request body sent after the
   * first SETTINGS (tests of requests never fully written). @default Node's (65,535)
   */
  readonly initialWindowSize?: number;
  /** Record accepted messages (turn off for long benchmarks). @default true */
  readonly recordMessages?: boolean;
  /** TLS material; defaults are the dev keys (127.0.0.1 / localhost, issued by the dev CA). */
  readonly serverCertificate?: string;
  readonly serverKey?: string;
}

export interface AcceptedMessage {
  /** FCM's name for it, `projects/<project>/messages/<id>`. */
  readonly name: string;
  readonly projectId: string;
  readonly token: string;
  /** The `message` object as received. */
  readonly message: Record<string, unknown>;
  /** The service account whose access token sent it. */
  readonly clientEmail: string;
  readonly protocol: 'h2' | 'http/1.1';
  readonly receivedAt: number;
  /** The connection was dropped right after FCM took it: the sender saw no answer. */
  readonly droppedAfterAccept?: true;
}

export interface SimulatorStats {
  /** messages:send requests. */
  requests: number;
  tokenRequests: number;
  accessTokensIssued: number;
  connections: number;
  /** Requests by protocol (`h2`, `http/1.1`). */
  protocols: Record<string, number>;
  /** Most streams ever open at once on one HTTP/2 connection. */
  maxOpenStreams: number;
  /** Answers by `<status> <errorCode or grpc status>` (`200 OK` for accepted). */
  answers: Record<string, number>;
  /** Faults applied, by kind (`drop-connection:before-accept` / `:after-accept`). */
  faults: Record<string, number>;
}

export interface FcmSimulator {
  /** `https://127.0.0.1:<port>`: messages:send and the token endpoint. */
  readonly url: string;
  /** `<url>/token`: the token_uri of service accounts pointed at the simulator. */
  readonly tokenUrl: string;
  readonly controlUrl: string | undefined;
  /** PEM of the CA that issued the simulator's certificate (the dev CA). */
  readonly caPem: string;
  messages(): AcceptedMessage[];
  stats(): SimulatorStats;
  setFaults(faults: readonly Fault[]): void;
  faults(): Fault[];
  /** Advertises a new SETTINGS_MAX_CONCURRENT_STREAMS on open and future connections. */
  setMaxConcurrentStreams(value: number): void;
  /** Later sends to the token answer 404 UNREGISTERED. */
  unregisterToken(token: string): void;
  /** Forgets what was said about the token (unregistered, another project). */
  registerToken(token: string): void;
  /** The token is alive and belongs to `projectId`: sends from any other project answer 403 SENDER_ID_MISMATCH. */
  assignTokenToProject(token: string, projectId: string): void;
  /** Every access token issued so far expires now: the next send with one answers 401. */
  expireAccessTokens(): void;
  /** Destroys every client TCP connection now, whatever is in flight (no GOAWAY). */
  dropConnections(): void;
  /** Clears messages, stats, faults and the token registry (issued access tokens stay valid). */
  reset(): void;
  close(): Promise<void>;
}
