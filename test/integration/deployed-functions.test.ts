import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { loadReceiptsConfig } from '../../functions/receipts/config';
import { loadRegisterConfig } from '../../functions/register/config';
import { loadSenderConfig } from '../../functions/sender/config';
import { devTokenCredential } from '../../local/apns-simulator/dev-credentials';
import {
  assemblyKey,
  deployedFunctions,
  FUNCTIONS_CACHE_DIR,
  localContext,
} from '../../local/functions/build';
import { deployedEnv, developerOverrides, type LocalCounterparts } from '../../local/functions/deployed-env';
import { localApps } from '../../local/functions/local-apps';
import type { FunctionsManifest } from '../../local/functions/manifest';
import { synthApp } from '../infra/synth-app';
import { FUNCTION_NAMES, templateFunction } from '../support/template-env';

/**
 * What the local stack runs by default: the cloud assembly `cdk synth` builds for the local apps, its
 * three bundles and their template environments, resolved to the local services.
 */
const apps = localApps({});
let manifest: FunctionsManifest;
beforeAll(async () => {
  manifest = await deployedFunctions(apps);
}, 120_000);

const local: LocalCounterparts = {
  region: 'us-east-1',
  tableNames: { devices: 'local-devices', deliveries: 'local-deliveries' },
  queueUrl: 'http://sqs.us-east-1.localhost:4566/000000000000/calls',
  dlqUrl: 'http://sqs.us-east-1.localhost:4566/000000000000/calls-dlq',
  dynamodbEndpoint: 'http://127.0.0.1:8000',
  sqsEndpoint: 'http://127.0.0.1:4566',
  secretsManagerEndpoint: 'http://127.0.0.1:4584',
  secretArn: (name) => `arn:aws:secretsmanager:us-east-1:000000000000:secret:${name}-AbCdEf`,
};

describe('the deployed functions of the local stack', () => {
  it('are synthesized for the dev apps of both platforms', () => {
    expect(apps).toEqual([
      { platform: 'ios', bundleId: 'com.example.voip' },
      { platform: 'android', bundleId: 'com.example.voip' },
    ]);
    expect(manifest.secrets).toEqual([
      { name: 'voip-push/dev/apns/com.example.voip', platform: 'ios', bundleId: 'com.example.voip' },
      { name: 'voip-push/dev/fcm/com.example.voip', platform: 'android', bundleId: 'com.example.voip' },
    ]);
  });

  it("are synthesized for a developer's credential file, and refuse an endpoint without one", () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'voip-push-apps-'));
    const file = path.join(dir, 'apns.json');
    writeFileSync(
      file,
      JSON.stringify([devTokenCredential('com.example.a'), devTokenCredential('com.example.b')]),
    );
    try {
      expect(localApps({ APNS_CREDENTIALS_FILE: file, APNS_ENDPOINT: 'sandbox' })).toEqual([
        { platform: 'ios', bundleId: 'com.example.a' },
        { platform: 'ios', bundleId: 'com.example.b' },
        { platform: 'android', bundleId: 'com.example.voip' },
      ]);
      expect(() => localApps({ FCM_ENDPOINT: 'production' })).toThrow(
        'FCM_ENDPOINT is set: FCM_CREDENTIALS_FILE must name your credential file',
      );
      expect(() => localApps({ APNS_CREDENTIALS_FILE: path.join(dir, 'missing.json') })).toThrow(
        'APNS_CREDENTIALS_FILE: cannot read',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("carry each function's handler string, timeout, memory and variable names as the template has them", () => {
    const app = synthApp({ stage: 'dev', apps: localContext(apps).apps });
    for (const name of FUNCTION_NAMES) {
      const template = templateFunction(app, name);
      const resource = app.statelessTemplate.toJSON().Resources[template.logicalId].Properties;
      const fn = manifest.functions[name];
      expect([fn.handler, fn.timeoutSeconds, fn.memoryMB]).toEqual([
        resource.Handler,
        resource.Timeout,
        resource.MemorySize,
      ]);
      expect(Object.keys(fn.variables).sort()).toEqual(Object.keys(template.variables).sort());
      const [file] = fn.handler.split('.');
      expect(statSync(path.join(fn.taskRoot, `${file}.mjs`)).size).toBeGreaterThan(100_000);
    }
  }, 60_000);

  it("resolve each reference to its local counterpart, and each function's config loads them", () => {
    const sender = deployedEnv(manifest.functions.sender, local);
    expect(sender).toMatchObject({
      DEVICES_TABLE_NAME: 'local-devices',
      DELIVERIES_TABLE_NAME: 'local-deliveries',
      CALL_QUEUE_URL: local.queueUrl,
      DLQ_URL: local.dlqUrl,
      APNS_SECRET_ARNS: local.secretArn('voip-push/dev/apns/com.example.voip'),
      FCM_SECRET_ARNS: local.secretArn('voip-push/dev/fcm/com.example.voip'),
      AWS_ENDPOINT_URL_DYNAMODB: local.dynamodbEndpoint,
      AWS_ENDPOINT_URL_SQS: local.sqsEndpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: local.secretsManagerEndpoint,
      AWS_REGION: 'us-east-1',
      NODE_OPTIONS: '--enable-source-maps',
    });
    expect(loadSenderConfig(sender).credentials).toEqual({
      kind: 'secrets',
      secretIds: [
        local.secretArn('voip-push/dev/apns/com.example.voip'),
        local.secretArn('voip-push/dev/fcm/com.example.voip'),
      ],
      cacheSeconds: 300,
    });
    const register = deployedEnv(manifest.functions.register, local);
    expect(loadRegisterConfig(register)).toMatchObject({ devicesTableName: 'local-devices' });
    expect(register.KNOWN_APPS).toBe('ios:com.example.voip,android:com.example.voip');
    expect(register).not.toHaveProperty('SQS_ENDPOINT');
    expect(loadReceiptsConfig(deployedEnv(manifest.functions.receipts, local))).toMatchObject({
      deliveriesTableName: 'local-deliveries',
    });
  });

  it("pass a developer's tuning of what a config reads, never what the stack decides", () => {
    const env = {
      RETRY_AMBIGUOUS_PUSHES: 'false',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_SERVICE_NAME: 'not-ours',
      DEVICES_TABLE_NAME: 'elsewhere',
      APNS_CREDENTIALS_FILE: '/tmp/x.json',
      MAX_DEVICES_PER_USER: '3',
      HOME: '/root',
    };
    expect(developerOverrides('sender', env)).toEqual({
      RETRY_AMBIGUOUS_PUSHES: 'false',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    expect(developerOverrides('register', env)).toEqual({
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      MAX_DEVICES_PER_USER: '3',
    });
  });

  it('come from the cache when nothing they are built from changed, and are rebuilt for other apps', async () => {
    const manifestFile = path.join(FUNCTIONS_CACHE_DIR, manifest.key, 'functions.json');
    const before = statSync(manifestFile).mtimeMs;
    const again = await deployedFunctions(apps);
    expect(again.key).toBe(manifest.key);
    expect(statSync(manifestFile).mtimeMs).toBe(before);
    expect(assemblyKey(localContext([{ platform: 'ios', bundleId: 'com.example.other' }]))).not.toBe(
      manifest.key,
    );
  });
});
