import { beforeAll, describe, expect, it } from '@jest/globals';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { synthApp } from './synth-app';

const PROD = {
  stage: 'prod',
  apps: [
    { bundleId: 'com.example.voip', environments: ['sandbox', 'production'] },
    { bundleId: 'com.example.other', environments: ['production'] },
  ],
  senderPrincipals: ['123456789012', 'arn:aws:iam::210987654321:role/call-control'],
  senderTimeoutSeconds: 40,
};

describe('StatefulStack in prod', () => {
  let template: Template;
  let stackName: string;
  beforeAll(() => {
    const app = synthApp(PROD);
    template = app.statefulTemplate;
    stackName = app.stateful.stackName;
  });

  it('names the stack after the stage when built', () => {
    expect(stackName).toBe('VoipPush-prod-Stateful');
  });

  it('makes two on-demand tables with pk/sk, PITR, SSE and TTL on expiresAt when built', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 2);
    template.allResourcesProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      DeletionProtectionEnabled: true,
    });
  });

  it('retains tables and secrets when the stage is prod', () => {
    template.allResources('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.allResources('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain' });
  });

  it('encrypts both queues and denies non-TLS requests when built', () => {
    template.resourceCountIs('AWS::SQS::Queue', 2);
    template.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    const policies = template.findResources('AWS::SQS::QueuePolicy');
    expect(Object.keys(policies)).toHaveLength(2);
    for (const policy of Object.values(policies)) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 'sqs:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
  });

  it('redrives after 3 receives with a visibility of six sender timeouts when built', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 240,
      RedrivePolicy: { maxReceiveCount: 3, deadLetterTargetArn: Match.anyValue() },
    });
  });

  it('keeps dead letters for 14 days when built', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      MessageRetentionPeriod: 14 * 24 * 3600,
      RedrivePolicy: Match.absent(),
    });
  });

  it('lets only the configured principals send call events when senderPrincipals are set', () => {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowCallControlToSend',
            Effect: 'Allow',
            Action: 'sqs:SendMessage',
            Principal: {
              AWS: [
                { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::123456789012:root']] },
                'arn:aws:iam::210987654321:role/call-control',
              ],
            },
          }),
        ]),
      },
    });
  });

  it('creates one empty secret per app with its JSON shape in the description when built', () => {
    const secrets = template.findResources('AWS::SecretsManager::Secret');
    expect(Object.values(secrets).map((s) => s.Properties.Name)).toEqual([
      'voip-push/prod/apns/com.example.voip',
      'voip-push/prod/apns/com.example.other',
    ]);
    for (const secret of Object.values(secrets)) {
      expect(secret.Properties.SecretString).toBeUndefined();
      expect(secret.Properties.GenerateSecretString).toBeUndefined();
      expect(secret.Properties.Description).toMatch(/"auth":"token","teamId","keyId","signingKey"/);
      expect(secret.Properties.Description).toMatch(/"pkcs12":"<base64 \.p12>"/);
    }
  });

  it('outputs the queue URL and ARN, the DLQ URL and one secret ARN per app when built', () => {
    const outputs = Object.keys(template.findOutputs('*'));
    expect(outputs).toEqual(
      expect.arrayContaining([
        'CallQueueUrl',
        'CallQueueArn',
        'DeadLetterQueueUrl',
        'ApnsSecretArnComExampleVoip',
        'ApnsSecretArnComExampleOther',
      ]),
    );
  });
});

describe('StatefulStack with android apps', () => {
  let template: Template;
  beforeAll(() => {
    template = synthApp({
      ...PROD,
      apps: [
        { bundleId: 'com.example.voip', environments: ['production'] },
        { platform: 'android', bundleId: 'com.example.voip' },
        { platform: 'android', bundleId: 'com.example.other_app' },
      ],
    }).statefulTemplate;
  });

  it('creates one empty, retained FCM secret per package beside the APNs one of the same id when built', () => {
    const secrets = Object.values(template.findResources('AWS::SecretsManager::Secret'));
    expect(secrets.map((s) => s.Properties.Name)).toEqual([
      'voip-push/prod/apns/com.example.voip',
      'voip-push/prod/fcm/com.example.voip',
      'voip-push/prod/fcm/com.example.other_app',
    ]);
    for (const secret of secrets.slice(1)) {
      expect(secret.DeletionPolicy).toBe('Retain');
      expect(secret.Properties.SecretString).toBeUndefined();
      expect(secret.Properties.GenerateSecretString).toBeUndefined();
      // The same (AWS-managed) key as the APNs secrets: the sender needs no KMS right to read it.
      expect(secret.Properties.KmsKeyId).toBeUndefined();
      expect(secret.Properties.Description).toMatch(/"auth":"fcm","serviceAccount":\{/);
    }
    expect(secrets[2]?.Properties.Description).toMatch(/bundleId must be com\.example\.other_app\.$/);
  });

  it('keeps the logical id the APNs secret had before Android, so a deployed secret is not replaced', () => {
    expect(Object.keys(template.findResources('AWS::SecretsManager::Secret'))[0]).toBe(
      'ApnsSecretscomexamplevoip450F0DCA',
    );
  });

  it('outputs one FCM secret ARN per package, told apart from the APNs ones, when built', () => {
    const outputs = template.findOutputs('*');
    expect(Object.keys(outputs).filter((id) => /SecretArn/.test(id))).toEqual([
      'ApnsSecretArnComExampleVoip',
      'FcmSecretArnComExampleVoip',
      'FcmSecretArnComExampleOtherApp',
    ]);
    expect(outputs.FcmSecretArnComExampleOtherApp?.Description).toMatch(
      /^FCM credential secret of com\.example\.other_app /,
    );
  });
});

describe('StatefulStack in dev', () => {
  let template: Template;
  beforeAll(() => {
    template = synthApp({ stage: 'dev' }).statefulTemplate;
  });

  it('deletes tables and secrets with the stack when the stage is dev', () => {
    template.allResources('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
    template.allResourcesProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: false });
    template.allResources('AWS::SecretsManager::Secret', { DeletionPolicy: 'Delete' });
  });

  it('adds no send permission for other accounts when senderPrincipals is empty', () => {
    const statements = Object.values(template.findResources('AWS::SQS::QueuePolicy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement,
    );
    expect(statements.filter((s: { Effect: string }) => s.Effect === 'Allow')).toEqual([]);
  });
});
