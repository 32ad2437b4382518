import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Template } from 'aws-cdk-lib/assertions';
import { synthApp } from '../infra/synth-app';

/**
 * Least privilege beyond what test/infra/stateless-stack.test.ts asserts (no secrets for register,
 * no PutItem on devices for the sender, no wildcards): each function's role holds only the actions its
 * code calls, on its own resources; no function can manage IAM, tables, queues or secrets.
 */
type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown };

const CONFIG = {
  stage: 'staging',
  apps: [
    { bundleId: 'com.example.voip', environments: ['sandbox', 'production'] },
    { platform: 'android', bundleId: 'com.example.voip' },
  ],
  jwtIssuer: 'https://issuer.example.org/',
  jwtAudience: ['ios'],
  senderPrincipals: ['123456789012'],
};

let template: Template;

function statementsOf(service: string): Statement[] {
  const functions = template.findResources('AWS::Lambda::Function');
  const fn = Object.values(functions).find(
    (f) => f.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === service,
  );
  if (!fn) throw new Error(`no function for ${service}`);
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

const actions = (statements: Statement[]) => statements.flatMap((s) => [s.Action].flat());
const on = (statements: Statement[], pattern: RegExp) =>
  statements.filter((s) => pattern.test(JSON.stringify(s.Resource)));
const DEVICES = /TablesDevices/;
const DELIVERIES = /TablesDeliveries/;
const CALL_QUEUE = /CallQueue(?!.*Dlq)(?!.*Dead)/i;
const SERVICES = ['voip-push-register', 'voip-push-receipts', 'voip-push-sender'];

/** What the code needs: data-plane item calls, the queue's consumer calls, reading a secret, its logs. */
const ALLOWED = new Set([
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
  'dynamodb:BatchGetItem',
  'dynamodb:Scan',
  'dynamodb:BatchWriteItem',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'sqs:ReceiveMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:GetQueueUrl',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
  'sqs:SendMessage',
  'secretsmanager:GetSecretValue',
  'kms:Decrypt',
  'kms:GenerateDataKey*',
  'kms:Encrypt',
  'kms:ReEncrypt*',
]);

beforeAll(() => {
  template = synthApp(CONFIG).statelessTemplate;
});

describe('least privilege of the function roles', () => {
  it('grants no control-plane action (IAM, STS, table, queue or secret management) to any function when built', () => {
    for (const service of SERVICES) {
      const granted = actions(statementsOf(service));
      expect({ service, extra: granted.filter((a) => !ALLOWED.has(a)) }).toEqual({ service, extra: [] });
      expect(statementsOf(service).every((s) => s.Effect === 'Allow')).toBe(true);
    }
  });

  it('gives register no queue access and nothing on the deliveries table when built', () => {
    const statements = statementsOf('voip-push-register');
    expect(actions(statements).filter((a) => a.startsWith('sqs:') || a.startsWith('kms:'))).toEqual([]);
    expect(on(statements, DELIVERIES)).toEqual([]);
  });

  it('gives receipts no queue access and no write on the devices table when built', () => {
    const statements = statementsOf('voip-push-receipts');
    expect(actions(statements).filter((a) => a.startsWith('sqs:'))).toEqual([]);
    const onDevices = actions(on(statements, DEVICES));
    for (const write of [
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:BatchWriteItem',
    ])
      expect(onDevices).not.toContain(write);
  });

  it('lets the sender send messages only to the DLQ and consume only the call queue when built', () => {
    const statements = statementsOf('voip-push-sender');
    const sends = statements.filter((s) => actions([s]).includes('sqs:SendMessage'));
    expect(sends.length).toBeGreaterThanOrEqual(1);
    for (const s of sends) {
      expect(JSON.stringify(s.Resource)).toMatch(/Dlq|DeadLetter/i);
      const sqsActions = actions([s]).filter((a) => a.startsWith('sqs:'));
      expect(
        sqsActions.filter(
          (a) => !['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'].includes(a),
        ),
      ).toEqual([]);
    }
    const consumes = statements.filter((s) => actions([s]).includes('sqs:DeleteMessage'));
    expect(consumes).toHaveLength(1);
    expect(JSON.stringify(consumes[0]?.Resource)).toMatch(CALL_QUEUE);
    expect(JSON.stringify(consumes[0]?.Resource)).not.toMatch(/Dlq|DeadLetter/i);
  });

  it('lets no function but the sender read a secret, and the sender only GetSecretValue when built', () => {
    for (const service of SERVICES) {
      const secretActions = actions(statementsOf(service)).filter((a) => a.startsWith('secretsmanager:'));
      // One statement per platform: APNs secrets and FCM secrets.
      expect(secretActions).toEqual(
        service === 'voip-push-sender'
          ? ['secretsmanager:GetSecretValue', 'secretsmanager:GetSecretValue']
          : [],
      );
    }
  });

  it('scopes every secret read to secrets of the stateful stack, never a name pattern, when built', () => {
    const reads = statementsOf('voip-push-sender').filter((s) =>
      actions([s]).includes('secretsmanager:GetSecretValue'),
    );
    for (const s of reads) {
      for (const resource of [s.Resource].flat()) {
        expect(resource).toEqual({ 'Fn::ImportValue': expect.stringMatching(/(Apns|Fcm)Secrets/) });
      }
    }
  });

  // bindTable() grants only the item actions the adapters call: a leaked role cannot Scan every user's tokens.
  it('grants no Scan, batch write or stream read on the devices table to any function when built', () => {
    for (const service of SERVICES) {
      const onDevices = actions(on(statementsOf(service), DEVICES));
      for (const wide of [
        'dynamodb:Scan',
        'dynamodb:BatchWriteItem',
        'dynamodb:GetRecords',
        'dynamodb:GetShardIterator',
      ])
        expect(onDevices).not.toContain(wide);
    }
  });
});
