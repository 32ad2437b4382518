import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type ApiServer, startApiServer } from '../../local/api-server';
import { mintDevToken } from '../../local/jwt';
import type { TableNames } from '../../local/services/tables';
import { apiRoutes, type FunctionEnv } from '../../local/stack-wiring';
import { createTestTables, testDynamoClient } from './local-aws';

export interface TestApi {
  readonly url: string;
  readonly tableNames: TableNames;
  readonly dynamo: DynamoDBClient;
  /** `fetch` against the API with JSON in and out; `token` becomes `Authorization: Bearer`. */
  call(method: string, path: string, options?: CallOptions): Promise<CallResult>;
  close(): Promise<void>;
}

export interface CallOptions {
  readonly token?: string;
  /** An object is sent as JSON (with `content-type: application/json` unless `headers` say otherwise). */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export interface CallResult {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed body, or undefined when it is empty or not JSON. */
  readonly json: unknown;
}

/**
 * Starts the local API server in-process on a free port, wired exactly as `npm start` wires it,
 * against fresh tables in the DynamoDB Local that jest's global setup started.
 */
export async function startTestApi(options: { env?: FunctionEnv } = {}): Promise<TestApi> {
  const dynamo = testDynamoClient();
  const tableNames = await createTestTables(dynamo);
  const endpoint = process.env.TEST_DYNAMODB_ENDPOINT as string;
  const env = { POWERTOOLS_LOG_LEVEL: 'SILENT', ...options.env };
  const server: ApiServer = await startApiServer({
    port: 0,
    routes: await apiRoutes({ dynamodbEndpoint: endpoint, dynamoClient: dynamo, tableNames, env }),
  });
  return {
    url: server.url,
    tableNames,
    dynamo,
    call: (method, path, callOptions) => call(server.url, method, path, callOptions),
    async close() {
      await server.close();
      dynamo.destroy();
    },
  };
}

async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<CallResult> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...headers, ...options.headers },
    body,
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** A token the local API accepts for `userId`. */
export function tokenFor(userId: string): Promise<string> {
  return mintDevToken(userId);
}
