import { runChild } from '../lib/child';
import type { SectionReport } from '../lib/report';
import { round } from '../lib/stats';
import { check } from '../lib/targets';
import type { RegisterWorkerInput, RegisterWorkerResult } from '../register/register-worker';
import { services } from './services';

export async function registerSection(quick: boolean): Promise<SectionReport> {
  const { dynamo } = await services();
  const input: RegisterWorkerInput = { dynamodbEndpoint: dynamo.endpoint, count: quick ? 100 : 500 };
  const result = await runChild<RegisterWorkerResult>(
    'bench/register/register-worker.ts',
    [JSON.stringify(input)],
    {
      timeoutMs: 180_000,
    },
  );
  const ratio50 = result.api.p50 / result.bare.p50;
  const ratio99 = result.api.p99 / result.bare.p99;
  const refresh50 = result.apiRefresh.p50 / result.bare.p50;
  const refresh99 = result.apiRefresh.p99 / result.bare.p99;
  const row = (label: string, s: RegisterWorkerResult['api']) => [
    label,
    s.count,
    round(s.p50),
    round(s.p99),
    round(s.max),
  ];
  return {
    id: 'register',
    title: `5. Register API: ${result.api.count} sequential PUT /v1/devices/{id} vs bare DynamoDB writes`,
    columns: ['path', 'requests', 'p50 ms', 'p99 ms', 'max ms'],
    rows: [
      [
        'PUT through the local API (JWT check, middy handler, repository)',
        result.api.count,
        round(result.api.p50),
        round(result.api.p99),
        round(result.api.max),
      ],
      [
        'bare TransactWriteItems of the same 3 items',
        result.bare.count,
        round(result.bare.p50),
        round(result.bare.p99),
        round(result.bare.max),
      ],
      [
        'DynamoDeviceRepository.register alone (no HTTP, JWT, middy)',
        result.repository.count,
        round(result.repository.p50),
        round(result.repository.p99),
        round(result.repository.max),
      ],
      ['ratio API / bare', '', round(ratio50), round(ratio99), ''],
      row('refresh: the same PUT again, same tokens (through the local API)', result.apiRefresh),
      row('refresh: DynamoDeviceRepository.register alone', result.repositoryRefresh),
      ['ratio refresh API / bare', '', round(refresh50), round(refresh99), ''],
    ],
    notes: [
      'Interleaved one by one (PUT, bare write, repository call, refresh PUT, repository refresh, PUT, ...) on the same DynamoDB Local table, after 10 warm-up rounds; a new user and device for the first three, the same device and tokens again for the refreshes. HTTP over keep-alive fetch from the same process.',
      'A new device reads before it writes (Query of the user partition and Get of the token owners, strongly consistent, then a TransactWriteItems with conditions): two DynamoDB round trips to the bare write’s one.',
      'A refresh of a device this process registered is one conditional TransactWriteItems without reads (device + owner items). Here the repository always remembers the device; in Lambda only the execution environment that registered it does, others read and plan (two round trips).',
      `Failed PUTs: ${result.failures}.`,
    ],
    targets: [
      check(
        'register API',
        'PUT p50 ≤ 1.3× bare DynamoDB write',
        `${round(ratio50)}× (p99 ${round(ratio99)}×)`,
        ratio50 <= 1.3,
      ),
      check(
        'register API, refresh',
        'PUT p50 ≤ 1.3× bare DynamoDB write',
        `${round(refresh50)}× (p99 ${round(refresh99)}×)`,
        refresh50 <= 1.3,
      ),
    ],
    charts: [
      {
        title: 'register latency, ms',
        unit: 'ms',
        bars: [
          { label: 'API PUT p50', value: round(result.api.p50) },
          { label: 'bare write p50', value: round(result.bare.p50) },
          { label: 'refresh PUT p50', value: round(result.apiRefresh.p50) },
          { label: 'API PUT p99', value: round(result.api.p99) },
          { label: 'bare write p99', value: round(result.bare.p99) },
        ],
      },
    ],
    data: result,
  };
}
