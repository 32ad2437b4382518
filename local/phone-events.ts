/**
 * What the local phones saw and did, as events (the console's phones panel reads them): a push that
 * reached a phone with what the app did with it, the ring (the app reporting the call to CallKit or
 * Telecom, once per call and device), each receipt posted with the API's answer, and a phone that
 * stayed silent (PHONE_RECEIPT_DROP_RATE). Tokens appear only as `tokenHash`.
 */
import type { PushDisposition } from './phone-app';

interface PhoneEventBase {
  /** ms since the epoch. */
  readonly at: number;
  readonly callId: string;
  readonly userId: string;
  readonly deviceId: string;
  /** `tokenHash` of the token the push was sent to (shared/domain/token-hash.ts). */
  readonly tokenHash: string;
  readonly platform: 'ios' | 'android';
}

export type PhoneEvent =
  | (PhoneEventBase & {
      readonly kind: 'push';
      readonly pushType: string;
      readonly apnsId?: string;
      /** What the app did with it (local/phone-app.ts): only `rang` rings. */
      readonly disposition?: PushDisposition;
    })
  | (PhoneEventBase & { readonly kind: 'ring' })
  | (PhoneEventBase & {
      readonly kind: 'receipt';
      readonly stage: 'received' | 'reported';
      readonly statusCode: number;
      readonly phoneLatencyMs?: number;
      readonly endToEndMs?: number;
    })
  | (PhoneEventBase & { readonly kind: 'dropped' });

export type PhoneEventKind = PhoneEvent['kind'];

/** The read side, for the console. */
export interface PhoneEventSource {
  /** The latest events (oldest first), at most `capacity`. */
  recent(): readonly PhoneEvent[];
  /** Calls `listener` for every event from now on; returns the unsubscribe function. */
  subscribe(listener: (event: PhoneEvent) => void): () => void;
}

/** Keeps the latest events and hands each new one to the subscribers. */
export class PhoneEventLog implements PhoneEventSource {
  private readonly events: PhoneEvent[] = [];
  private readonly listeners = new Set<(event: PhoneEvent) => void>();

  constructor(private readonly capacity = 2000) {}

  emit(event: PhoneEvent): void {
    this.events.push(event);
    if (this.events.length > this.capacity) this.events.splice(0, this.events.length - this.capacity);
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A listener's fault never stops a phone.
      }
    }
  }

  recent(): readonly PhoneEvent[] {
    return [...this.events];
  }

  subscribe(listener: (event: PhoneEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
