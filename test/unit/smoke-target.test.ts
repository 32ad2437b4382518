import {
  CloudFormationClient,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { afterEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { deployedTarget } from '../../scripts/smoke-target';

const cfnMock = mockClient(CloudFormationClient);
afterEach(() => {
  cfnMock.reset();
});

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/111122223333/voip-push-dev-calls';

function stageOutputs(withIssuer: boolean): void {
  cfnMock.on(DescribeStacksCommand, { StackName: 'VoipPush-dev-Stateful' }).resolves({
    Stacks: [
      {
        StackName: 'VoipPush-dev-Stateful',
        StackStatus: 'CREATE_COMPLETE',
        CreationTime: new Date(),
        Outputs: [
          { OutputKey: 'CallQueueUrl', OutputValue: QUEUE_URL },
          {
            OutputKey: 'ApnsSecretArnComExampleVoip',
            OutputValue: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:x',
            Description:
              'APNs credential secret of com.example.voip (load with put-secret-value, docs/deploy.md)',
          },
          {
            OutputKey: 'FcmSecretArnComExampleVoipAndroid',
            OutputValue: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:y',
            Description:
              'FCM credential secret of com.example.voip_android (load with put-secret-value, docs/deploy.md)',
          },
        ],
      },
    ],
  });
  cfnMock.on(DescribeStacksCommand, { StackName: 'VoipPush-dev-Stateless' }).resolves({
    Stacks: [
      {
        StackName: 'VoipPush-dev-Stateless',
        StackStatus: 'CREATE_COMPLETE',
        CreationTime: new Date(),
        Outputs: [
          { OutputKey: 'ApiUrl', OutputValue: 'https://main.execute-api.eu-west-1.amazonaws.com/' },
          ...(withIssuer
            ? [
                {
                  OutputKey: 'SmokeApiUrl',
                  OutputValue: 'https://smoke.execute-api.eu-west-1.amazonaws.com/',
                },
                { OutputKey: 'TestIssuerUrl', OutputValue: 'https://issuer.example/' },
                { OutputKey: 'TestIssuerAudience', OutputValue: 'voip-push-smoke' },
              ]
            : []),
        ],
      },
    ],
  });
  cfnMock.on(DescribeStackResourcesCommand).resolves({
    StackResources: [
      {
        LogicalResourceId: 'RegisterLogs1A2B3C',
        PhysicalResourceId: 'register-logs',
        ResourceType: 'AWS::Logs::LogGroup',
        ResourceStatus: 'CREATE_COMPLETE',
        Timestamp: new Date(),
      },
      {
        LogicalResourceId: 'SenderLogs9F8E7D',
        PhysicalResourceId: 'sender-logs',
        ResourceType: 'AWS::Logs::LogGroup',
        ResourceStatus: 'CREATE_COMPLETE',
        Timestamp: new Date(),
      },
    ],
  });
}

describe('deployed smoke target', () => {
  it("registers through the smoke API with the issuer, reads the sender log group and each platform's apps when the stage has a test issuer", async () => {
    stageOutputs(true);
    const target = await deployedTarget(
      new CloudFormationClient({ region: 'eu-west-1' }),
      'dev',
      true,
      'eu-west-1',
    );
    expect(target).toEqual({
      description: 'stage dev',
      apiUrl: 'https://smoke.execute-api.eu-west-1.amazonaws.com',
      queueUrl: QUEUE_URL,
      sqs: { region: 'eu-west-1' },
      bundleIds: { ios: ['com.example.voip'], android: ['com.example.voip_android'] },
      issuer: { url: 'https://issuer.example/', audience: 'voip-push-smoke' },
      attempts: { kind: 'cloudwatch', logGroupName: 'sender-logs', region: 'eu-west-1' },
    });
  });

  it('registers through ApiUrl when a bearer token of the identity provider is used', async () => {
    stageOutputs(false);
    const target = await deployedTarget(new CloudFormationClient({ region: 'eu-west-1' }), 'dev', false);
    expect(target.apiUrl).toBe('https://main.execute-api.eu-west-1.amazonaws.com');
    expect(target.issuer).toBeUndefined();
  });

  it('says how to deploy a test issuer when the stage has none and --key is given', async () => {
    stageOutputs(false);
    await expect(
      deployedTarget(new CloudFormationClient({ region: 'eu-west-1' }), 'dev', true),
    ).rejects.toThrow(
      'stage dev has no test issuer: deploy it with -c testIssuerPublicKey=... or use --bearer-file',
    );
  });

  it('names the stack when it cannot be described', async () => {
    cfnMock.on(DescribeStacksCommand).rejects(new Error('Stack with id VoipPush-qa-Stateful does not exist'));
    await expect(
      deployedTarget(new CloudFormationClient({ region: 'eu-west-1' }), 'qa', true),
    ).rejects.toThrow(/^cannot describe stack VoipPush-qa-(Stateful|Stateless): Stack with id/);
  });
});
