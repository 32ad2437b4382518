/**
 * The console's HTTP API (JSON; the page uses it, and so can scripts):
 *
 *   GET    /api/status                     stack endpoints, what listens where, fault targets
 *   GET    /api/events                     server-sent events: snapshot, push, phone, latency, dlq, faults
 *   GET    /api/pushes?limit=N             { pushes: PushRow[] } newest first
 *   GET    /api/phones?limit=N             { phones: PhoneRow[] } newest first
 *   GET    /api/latency                    LatencySummary
 *   GET    /api/devices                    { users: UserDevices[] } (tokens as tokenHash only)
 *   GET    /api/dlq                        { count, messages: DlqMessageView[] }
 *   POST   /api/dlq/{messageId}/redrive    back to the call queue, deleted from the DLQ
 *   POST   /api/calls                      { type, recipients, ringTimeoutSeconds?, callerName?, media?, callId? } → 202
 *   GET    /api/faults                     { targets: FaultState[] }
 *   POST   /api/faults                     { platform?, faults: [...] } replaces that simulator's faults
 *   DELETE /api/faults?platform=ios        clears them
 *
 * Errors: `{ error: { code, message, details? } }` with 400 / 404 / 405 / 409 / 413 / 415; 502 when a
 * service behind the console failed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConsoleHttpError, invalid, invalidFrom, readJsonBody } from './console-http';
import { limitFrom, MESSAGE_ID, setFaultsSchema, type TestCallInput, testCallSchema } from './console-inputs';
import type { ConsoleEvents, ConsoleStatus, FaultState } from './console-types';
import type { EventStream } from './event-stream';
import type { PushJournal } from './push-journal';
import { type DeadLetters, MessageNotFoundError } from './sources/dead-letters';
import type { DeviceDirectory } from './sources/devices';
import { type FaultControl, FaultRejectedError } from './sources/simulator-faults';
import { CallEventValidationError, type PlacedCall } from './sources/test-call';

export interface ConsoleContext {
  status(): ConsoleStatus;
  readonly journal: PushJournal;
  readonly devices: DeviceDirectory;
  readonly deadLetters: DeadLetters;
  /** By platform. */
  readonly faults: ReadonlyMap<string, FaultControl>;
  placeCall(input: TestCallInput): Promise<PlacedCall>;
  readonly events: EventStream;
  snapshot(): Promise<ConsoleEvents['snapshot']>;
  /** After a redrive: recount the DLQ now. */
  dlqChanged(): void;
  faultsChanged(state: FaultState): void;
}

/** What a handler answers: a status and a JSON body, or `stream` when it took the response over. */
export type RouteAnswer = readonly [number, unknown] | 'stream';

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  handle(
    ctx: ConsoleContext,
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    params: string[],
  ): Promise<RouteAnswer>;
}

function faultControl(ctx: ConsoleContext, platform: string): FaultControl {
  const control = ctx.faults.get(platform);
  if (control) return control;
  const known = [...ctx.faults.keys()];
  if (known.length === 0) {
    throw new ConsoleHttpError(
      409,
      'no_simulator',
      'no simulator runs (APNS_ENDPOINT points elsewhere): faults cannot be set',
    );
  }
  throw invalid(`platform must be one of ${known.join(', ')}`, [
    { field: 'platform', problem: `unknown platform "${platform}"` },
  ]);
}

function limitParam(url: URL): number {
  const limit = limitFrom(url.searchParams.get('limit'));
  if (limit === undefined)
    throw invalid('limit must be a whole number from 1 to 500', [
      { field: 'limit', problem: 'out of range' },
    ]);
  return limit;
}

const ROUTES: readonly Route[] = [
  {
    method: 'GET',
    pattern: /^\/api\/status$/,
    handle: async (ctx) => [200, ctx.status()],
  },
  {
    method: 'GET',
    pattern: /^\/api\/events$/,
    handle: async (ctx, _req, res) => {
      ctx.events.open(res, await ctx.snapshot());
      return 'stream';
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/pushes$/,
    handle: async (ctx, _req, _res, url) => [200, { pushes: ctx.journal.pushes(limitParam(url)) }],
  },
  {
    method: 'GET',
    pattern: /^\/api\/phones$/,
    handle: async (ctx, _req, _res, url) => [200, { phones: ctx.journal.phones(limitParam(url)) }],
  },
  {
    method: 'GET',
    pattern: /^\/api\/latency$/,
    handle: async (ctx) => [200, ctx.journal.latency()],
  },
  {
    method: 'GET',
    pattern: /^\/api\/devices$/,
    handle: async (ctx) => {
      const users = await ctx.devices.refresh(0);
      ctx.journal.resolveOwners();
      return [200, { users }];
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/dlq$/,
    handle: async (ctx) => {
      const messages = ctx.deadLetters.list();
      return [200, { count: ctx.deadLetters.count(), messages }];
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/dlq\/([^/]+)\/redrive$/,
    handle: async (ctx, req, _res, _url, [raw]) => {
      req.resume();
      const messageId = decodeURIComponent(raw ?? '');
      if (!MESSAGE_ID.test(messageId)) {
        throw invalid('messageId must be 1-128 of A-Z a-z 0-9 . _ : -', [
          { field: 'messageId', problem: 'malformed' },
        ]);
      }
      try {
        const result = await ctx.deadLetters.redrive(messageId);
        ctx.dlqChanged();
        return [200, result];
      } catch (error) {
        if (error instanceof MessageNotFoundError)
          throw new ConsoleHttpError(404, 'not_found', error.message);
        throw error;
      }
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/calls$/,
    handle: async (ctx, req) => {
      const parsed = testCallSchema.safeParse(await readJsonBody(req));
      if (!parsed.success) throw invalidFrom(parsed.error, 'test call');
      try {
        return [202, await ctx.placeCall(parsed.data)];
      } catch (error) {
        if (!(error instanceof CallEventValidationError)) throw error;
        throw invalid(error.message, error.problems);
      }
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/faults$/,
    handle: async (ctx) => {
      const targets = await Promise.all(
        [...ctx.faults.values()].map(async (control) => ({
          platform: control.platform,
          faults: await control.list(),
        })),
      );
      return [200, { targets }];
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/faults$/,
    handle: async (ctx, req) => {
      const parsed = setFaultsSchema.safeParse(await readJsonBody(req));
      if (!parsed.success) throw invalidFrom(parsed.error, 'faults');
      const control = faultControl(ctx, parsed.data.platform);
      try {
        const state = { platform: control.platform, faults: await control.set(parsed.data.faults) };
        ctx.faultsChanged(state);
        return [200, state];
      } catch (error) {
        if (error instanceof FaultRejectedError) throw invalid(error.message);
        throw error;
      }
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/api\/faults$/,
    handle: async (ctx, req, _res, url) => {
      req.resume();
      const control = faultControl(ctx, url.searchParams.get('platform') ?? 'ios');
      await control.clear();
      const state = { platform: control.platform, faults: [] };
      ctx.faultsChanged(state);
      return [200, state];
    },
  },
];

/** The route for a request, or a 404 / 405 error. */
export function findRoute(method: string, path: string): { route: Route; params: string[] } {
  const matching = ROUTES.filter((route) => route.pattern.test(path));
  if (matching.length === 0) throw new ConsoleHttpError(404, 'not_found', `no route for ${method} ${path}`);
  const route = matching.find((candidate) => candidate.method === method);
  if (!route) {
    const allow = matching.map((candidate) => candidate.method).join(', ');
    throw new ConsoleHttpError(
      405,
      'method_not_allowed',
      `${path} takes ${allow}, not ${method}`,
      undefined,
      {
        allow,
      },
    );
  }
  return { route, params: (route.pattern.exec(path) ?? []).slice(1) };
}
