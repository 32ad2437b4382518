import { beforeAll, describe, expect, it } from '@jest/globals';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { secretNamesOf, synthApp } from './synth-app';

/** A value of synthesized CloudFormation JSON (what `Template.toJSON()` returns is untyped). */
type Json = ReturnType<Template['toJSON']>[string];
type Resource = { Type: string; Properties: Record<string, Json> };
type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown };

const CONFIG = {
  stage: 'staging',
  apps: [
    { bundleId: 'com.example.voip', environments: ['sandbox', 'production'] },
    { bundleId: 'com.example.other', environments: ['production'] },
    // The same package name as the first iOS app: a second app, with its own FCM secret.
    { platform: 'android', bundleId: 'com.example.voip' },
  ],
  jwtIssuer: 'https://issuer.example.org/',
  jwtAudience: ['ios', 'ios-beta'],
  throttle: { rateLimit: 25, burstLimit: 60 },
  senderMaxConcurrency: 4,
  senderTimeoutSeconds: 30,
  receiptRateFloor: 0.75,
  alarmEmail: 'oncall@example.com',
};

let template: Template;
let statefulTemplate: Template;
let resources: Record<string, Resource>;

/** Logical id of the function that runs with this Powertools service name. */
function functionId(service: string): string {
  const found = Object.entries(template.findResources('AWS::Lambda::Function')).find(
    ([, fn]) => fn.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === service,
  );
  if (!found) throw new Error(`no function for ${service}`);
  return found[0];
}

/** Every IAM statement attached to the role of that function. */
function statementsOf(service: string): Statement[] {
  const roleId = resources[functionId(service)]?.Properties.Role['Fn::GetAtt'][0];
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

const actionsOf = (statements: Statement[]) => statements.flatMap((s) => [s.Action].flat());
/** Matches a reference (import) to one of the stateful stack's tables. */
const importsTable = (name: 'Devices' | 'Deliveries') => new RegExp(`Tables${name}`);

describe('StatelessStack', () => {
  beforeAll(() => {
    ({ statelessTemplate: template, statefulTemplate } = synthApp(CONFIG));
    resources = template.toJSON().Resources;
  });

  it('runs every function on nodejs22.x arm64 with source maps when built', () => {
    template.resourceCountIs('AWS::Lambda::Function', 3);
    template.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Environment: {
        Variables: Match.objectLike({
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_METRICS_NAMESPACE: 'VoipPush',
        }),
      },
      LoggingConfig: { LogGroup: Match.anyValue() },
    });
  });

  it('gives each function the env vars its handler reads when built', () => {
    const env = (service: string) => resources[functionId(service)]?.Properties.Environment.Variables;
    expect(Object.keys(env('voip-push-register'))).toEqual(
      expect.arrayContaining(['DEVICES_TABLE_NAME', 'MAX_DEVICES_PER_USER', 'DEVICE_TTL_DAYS']),
    );
    expect(env('voip-push-register')).toMatchObject({ MAX_DEVICES_PER_USER: '20', DEVICE_TTL_DAYS: '180' });
    expect(Object.keys(env('voip-push-receipts'))).toEqual(
      expect.arrayContaining(['DEVICES_TABLE_NAME', 'DELIVERIES_TABLE_NAME']),
    );
    expect(env('voip-push-sender')).toMatchObject({
      CREDENTIAL_CACHE_SECONDS: '300',
      DELIVERY_TTL_DAYS: '7',
      DEVICES_TABLE_NAME: expect.anything(),
      DELIVERIES_TABLE_NAME: expect.anything(),
    });
    expect(JSON.stringify(env('voip-push-sender').DLQ_URL)).toMatch(/DeadLetter|Dlq/i);
    expect(JSON.stringify(env('voip-push-sender').CALL_QUEUE_URL)).toMatch(
      /CallQueueQueue|Queue(?!.*DeadLetter)/,
    );
  });

  it('gives the sender the ARNs of the APNs secrets and of the FCM secrets, each in its list, when built', () => {
    const env = resources[functionId('voip-push-sender')]?.Properties.Environment.Variables;
    expect(secretNamesOf(env.APNS_SECRET_ARNS, statefulTemplate)).toBe(
      'voip-push/staging/apns/com.example.voip,voip-push/staging/apns/com.example.other',
    );
    expect(secretNamesOf(env.FCM_SECRET_ARNS, statefulTemplate)).toBe(
      'voip-push/staging/fcm/com.example.voip',
    );
  });

  it('tells register every configured app, iOS and Android, so it refuses any other with 400 when built', () => {
    expect(resources[functionId('voip-push-register')]?.Properties.Environment.Variables.KNOWN_APPS).toBe(
      'ios:com.example.voip,ios:com.example.other,android:com.example.voip',
    );
  });

  it('gives the sender the configured timeout and memory when built', () => {
    expect(resources[functionId('voip-push-sender')]?.Properties).toMatchObject({
      Timeout: 30,
      MemorySize: 512,
    });
  });

  it('feeds the sender with partial batch failures, batches of 10, no window and capped concurrency when built', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionId('voip-push-sender') },
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 0,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 4 },
    });
  });

  it('keeps every log group a year, encrypted with the logs key, when the stage is not dev', () => {
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    const [logsKey, ...otherKeys] = Object.keys(template.findResources('AWS::KMS::Key')).filter((id) =>
      id.startsWith('LogsKey'),
    );
    expect(otherKeys).toEqual([]);
    expect(groups).toHaveLength(4);
    for (const group of groups) {
      expect(group.Properties.RetentionInDays).toBe(365);
      expect(group.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [logsKey, 'Arn'] });
    }
  });

  it('lets only CloudWatch Logs of this account and region use the logs key, for log groups, when built', () => {
    const [key] = Object.values(
      template.findResources('AWS::KMS::Key', {
        Properties: { Description: Match.stringLikeRegexp('log group') },
      }),
    );
    const statements = key?.Properties.KeyPolicy.Statement as {
      Sid?: string;
      Principal: Json;
      Condition?: Json;
    }[];
    const logs = statements.find((s) => s.Sid === 'CloudWatchLogsOfThisAccount');
    expect(JSON.stringify(logs?.Principal)).toMatch(/"logs\.",\{"Ref":"AWS::Region"\},"\.amazonaws\.com"/);
    expect(JSON.stringify(logs?.Condition.ArnLike['kms:EncryptionContext:aws:logs:arn'])).toMatch(
      /:logs:",\{"Ref":"AWS::Region"\},":",\{"Ref":"AWS::AccountId"\},":log-group:\*"/,
    );
  });

  it('creates no custom resource (and so no unmanaged log group) when built', () => {
    const types = Object.values(resources).map((r) => r.Type);
    expect(
      types.filter((t) => t.startsWith('Custom::') || t === 'AWS::CloudFormation::CustomResource'),
    ).toEqual([]);
  });

  describe('HTTP API', () => {
    it('checks JWTs against the configured issuer and audience when built', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        AuthorizerType: 'JWT',
        IdentitySource: ['$request.header.Authorization'],
        JwtConfiguration: { Issuer: 'https://issuer.example.org/', Audience: ['ios', 'ios-beta'] },
      });
    });

    it('puts the JWT authorizer on every route when built', () => {
      const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
      expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual([
        'DELETE /v1/devices/{deviceId}',
        'GET /v1/devices',
        'POST /v1/calls/{callId}/receipts',
        'PUT /v1/devices/{deviceId}',
      ]);
      for (const route of routes) {
        expect(route.Properties.AuthorizationType).toBe('JWT');
        expect(route.Properties.AuthorizerId).toEqual({ Ref: expect.stringMatching(/JwtAuthorizer/) });
      }
    });

    it('lets API Gateway invoke the functions only from this API when built', () => {
      const permissions = Object.values(template.findResources('AWS::Lambda::Permission'));
      expect(permissions).toHaveLength(4);
      for (const permission of permissions) {
        expect(permission.Properties).toMatchObject({
          Action: 'lambda:InvokeFunction',
          Principal: 'apigateway.amazonaws.com',
        });
        // arn:<partition>:execute-api:<region>:<account>:<this API's id>/*/<method>/<path>
        const arn = permission.Properties.SourceArn['Fn::Join'][1] as Json[];
        expect(arn).toEqual(
          expect.arrayContaining([
            { Ref: 'AWS::Region' },
            { Ref: 'AWS::AccountId' },
            { Ref: expect.stringMatching(/^ApiHttpApi/) },
          ]),
        );
      }
    });

    it('throttles the default stage and writes access logs when built', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingRateLimit: 25, ThrottlingBurstLimit: 60 },
        AccessLogSettings: {
          DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('AccessLogs'), 'Arn'] },
          Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"'),
        },
      });
    });
  });

  describe('least privilege', () => {
    it('gives register read/write on devices only and no secret access when built', () => {
      const statements = statementsOf('voip-push-register');
      expect(actionsOf(statements).filter((a) => a.startsWith('secretsmanager:'))).toEqual([]);
      const tableStatements = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('dynamodb:')));
      expect(JSON.stringify(tableStatements)).toMatch(importsTable('Devices'));
      expect(JSON.stringify(tableStatements)).not.toMatch(importsTable('Deliveries'));
      expect(actionsOf(statements)).toContain('dynamodb:PutItem');
    });

    it('gives receipts read on devices and read/write on deliveries only when built', () => {
      const statements = statementsOf('voip-push-receipts');
      expect(actionsOf(statements).filter((a) => a.startsWith('secretsmanager:'))).toEqual([]);
      const writes = statements.filter((s) => actionsOf([s]).includes('dynamodb:PutItem'));
      expect(JSON.stringify(writes)).toMatch(importsTable('Deliveries'));
      expect(JSON.stringify(writes)).not.toMatch(importsTable('Devices'));
    });

    it('lets the sender read only the APNs and FCM secrets, nothing else of Secrets Manager, when built', () => {
      const secretStatements = statementsOf('voip-push-sender').filter((s) =>
        actionsOf([s]).some((a) => a.startsWith('secretsmanager:')),
      );
      expect(
        secretStatements.map((s) => ({
          sid: s.Sid,
          action: s.Action,
          secrets: secretNamesOf(s.Resource as Json, statefulTemplate),
        })),
      ).toEqual([
        {
          sid: 'ReadApnsCredentials',
          action: 'secretsmanager:GetSecretValue',
          secrets: 'voip-push/staging/apns/com.example.voip,voip-push/staging/apns/com.example.other',
        },
        {
          sid: 'ReadFcmCredentials',
          action: 'secretsmanager:GetSecretValue',
          secrets: 'voip-push/staging/fcm/com.example.voip',
        },
      ]);
    });

    it('never lets the sender put or batch-write devices, only update and delete them when built', () => {
      const onDevices = statementsOf('voip-push-sender').filter((s) =>
        importsTable('Devices').test(JSON.stringify(s.Resource)),
      );
      const actions = actionsOf(onDevices);
      expect(actions).not.toContain('dynamodb:PutItem');
      expect(actions).not.toContain('dynamodb:BatchWriteItem');
      expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query']));
      expect(onDevices.find((s) => s.Sid === 'PruneDeviceTokens')?.Action).toEqual([
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
      ]);
    });

    it('lets the sender send only to the DLQ (rejected events) when built', () => {
      const sends = statementsOf('voip-push-sender').filter((s) =>
        actionsOf([s]).includes('sqs:SendMessage'),
      );
      expect(sends).toHaveLength(1);
      expect(JSON.stringify(sends[0]?.Resource)).toMatch(/DeadLetter|Dlq/i);
    });

    it('grants no wildcard action or resource to any function when built', () => {
      for (const service of ['voip-push-register', 'voip-push-receipts', 'voip-push-sender']) {
        const text = JSON.stringify(statementsOf(service));
        expect(text).not.toMatch(/"(Action|Resource)":"\*"/);
        expect(actionsOf(statementsOf(service)).some((a) => a.endsWith('*'))).toBe(false);
      }
    });
  });
});

/** Env vars and secret statements of the sender and register functions in a synthesized stage. */
function pushWiring(overrides: Record<string, unknown>) {
  const { statelessTemplate, statefulTemplate: stateful } = synthApp(overrides);
  const functions = Object.values(statelessTemplate.findResources('AWS::Lambda::Function'));
  const envOf = (service: string) =>
    functions.find((f) => f.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME === service)?.Properties
      .Environment.Variables;
  const secretSids = Object.values(statelessTemplate.findResources('AWS::IAM::Policy'))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[])
    .filter((s) => actionsOf([s]).some((a) => a.startsWith('secretsmanager:')))
    .map((s) => s.Sid);
  const sender = envOf('voip-push-sender');
  return {
    knownApps: envOf('voip-push-register')?.KNOWN_APPS,
    apns: sender.APNS_SECRET_ARNS && secretNamesOf(sender.APNS_SECRET_ARNS, stateful),
    fcm: sender.FCM_SECRET_ARNS && secretNamesOf(sender.FCM_SECRET_ARNS, stateful),
    secretSids,
    secretCount: Object.keys(stateful.findResources('AWS::SecretsManager::Secret')).length,
  };
}

describe('StatelessStack with one platform', () => {
  it('wires only APNs, as before Android, when no android app is configured', () => {
    expect(pushWiring({ stage: 'staging' })).toEqual({
      knownApps: 'ios:com.example.voip',
      apns: 'voip-push/staging/apns/com.example.voip',
      fcm: undefined,
      secretSids: ['ReadApnsCredentials'],
      secretCount: 1,
    });
  });

  it('wires only FCM when every app is android', () => {
    expect(
      pushWiring({ stage: 'staging', apps: [{ platform: 'android', bundleId: 'com.example.phone_app' }] }),
    ).toEqual({
      knownApps: 'android:com.example.phone_app',
      apns: undefined,
      fcm: 'voip-push/staging/fcm/com.example.phone_app',
      secretSids: ['ReadFcmCredentials'],
      secretCount: 1,
    });
  });
});
