/**
 * The log port: one static message plus a data object per line (`log.info('push sent', { callId })`).
 * Never a raw token or a secret in `data`: log `tokenHash(token)` instead. Adapter: Powertools Logger
 * (`shared/adapters/powertools-log.ts`); double: `test/fakes/memory-telemetry.ts`.
 */
export interface LogSink {
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}
