import type { FcmOutcome, FcmSender } from '../../shared/adapters/fcm/fcm-outcome';
import type { FcmCredential } from '../../shared/domain/fcm-credential';
import type { FcmMessage } from '../../shared/domain/fcm-message';

/** An outcome as a test writes it; the fake fills in the latency (and the message name when accepted). */
export type FakeFcmAnswer = DistributiveOmit<FcmOutcome, 'latencyMs' | 'name'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export const fcmOk = (): FakeFcmAnswer => ({ kind: 'accepted', status: 200 });
export const fcmReject = (
  status: number,
  errorCode: string,
  extra: { fieldViolations?: string[]; retryAfterMs?: number; message?: string } = {},
): FakeFcmAnswer => ({ kind: 'rejected', status, errorCode, message: extra.message ?? '', ...extra });

export interface SentFcmMessage {
  readonly credential: FcmCredential;
  readonly message: FcmMessage;
}

/** FcmSender double: records every message, answers from per-token scripts (the last answer repeats; 200 when none). */
export class FakeFcmTransport implements FcmSender {
  readonly sent: SentFcmMessage[] = [];
  latencyMs = 9;
  private readonly scripts = new Map<string, FakeFcmAnswer[]>();
  private sequence = 0;

  script(token: string, ...answers: FakeFcmAnswer[]): this {
    this.scripts.set(token, [...answers]);
    return this;
  }

  async send(credential: FcmCredential, message: FcmMessage): Promise<FcmOutcome> {
    this.sent.push({ credential, message });
    const script = this.scripts.get(message.token);
    const answer = (script && script.length > 1 ? script.shift() : script?.[0]) ?? fcmOk();
    if (answer.kind === 'accepted') {
      this.sequence += 1;
      const name = `projects/${credential.serviceAccount.project_id}/messages/${this.sequence}`;
      return { ...answer, name, latencyMs: this.latencyMs };
    }
    return { ...answer, latencyMs: this.latencyMs } as FcmOutcome;
  }

  async close(): Promise<void> {}
}
