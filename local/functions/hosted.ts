/**
 * The local stack's default mode: each function as deployed (ADR 0012), its bundle in execution
 * environments of its own (function-host.ts) with the template's environment resolved to the local
 * services (deployed-env.ts), the sender's credentials in a local Secrets Manager.
 */
import { credentialPlatform } from '../../shared/domain/push-credential-schema';
import { EnvName } from '../../shared/platform/env-names';
import { routeTable } from '../api-routes';
import type { ApiRoutes, HttpLambdaHandler } from '../api-server';
import { recordOfWire } from '../aws-request-recorder';
import { type FunctionHost, startFunctionHost } from '../function-host';
import { credentialsOfFile } from '../known-apps-local';
import { startLocalSecretsManager } from '../services/secrets-manager';
import type { FunctionEnv, SenderRun, StackWiring } from '../stack-types';
import { deployedEnv, developerOverrides, type LocalCounterparts } from './deployed-env';
import type { FunctionName, FunctionsManifest } from './manifest';

/** What the deployed API functions need: where each template reference is on this machine. */
export type DeployedApiWiring = Pick<
  StackWiring,
  | 'dynamodbEndpoint'
  | 'tableNames'
  | 'env'
  | 'region'
  | 'sqsEndpoint'
  | 'queueUrl'
  | 'dlqUrl'
  | 'onAwsRequest'
>;

/** Routes whose functions run in execution environments of their own, stopped with `stop`. */
export interface HostedRoutes {
  readonly routes: ApiRoutes;
  stop(): Promise<void>;
}

/** Each output line of a deployed function, written where the stack's own lines go (stdout, or stderr). */
function forwardOutput(line: string, stream: 'stdout' | 'stderr'): void {
  (stream === 'stderr' ? process.stderr : process.stdout).write(`${line}\n`);
}

/** One deployed function in its execution environments, with the template's environment resolved here. */
function hostDeployed(
  deployed: FunctionsManifest,
  name: FunctionName,
  local: LocalCounterparts,
  wiring: Pick<StackWiring, 'env' | 'onAwsRequest'>,
  extra: Record<string, string> = {},
): FunctionHost {
  const fn = deployed.functions[name];
  const listener = wiring.onAwsRequest;
  return startFunctionHost({
    name: fn.functionName,
    taskRoot: fn.taskRoot,
    handler: fn.handler,
    timeoutSeconds: fn.timeoutSeconds,
    memoryMB: fn.memoryMB,
    env: deployedEnv(fn, local, { ...extra, ...developerOverrides(name, wiring.env) }),
    onOutput: forwardOutput,
    ...(listener ? { onAwsRequest: (request) => listener(name, recordOfWire(request)) } : {}),
  });
}

function counterparts(
  wiring: DeployedApiWiring,
  secretArn?: (name: string) => string,
  secretsEndpoint?: string,
): LocalCounterparts {
  return {
    region: wiring.region,
    tableNames: wiring.tableNames,
    queueUrl: wiring.queueUrl,
    dlqUrl: wiring.dlqUrl,
    dynamodbEndpoint: wiring.dynamodbEndpoint,
    sqsEndpoint: wiring.sqsEndpoint,
    ...(secretsEndpoint ? { secretsManagerEndpoint: secretsEndpoint } : {}),
    secretArn:
      secretArn ??
      ((name) => {
        throw new Error(`no local secret ${name} for the API's functions`);
      }),
  };
}

/** The API's routes served by the deployed register and receipts bundles. */
export function deployedApiRoutes(wiring: DeployedApiWiring, deployed: FunctionsManifest): HostedRoutes {
  const local = counterparts(wiring);
  const register = hostDeployed(deployed, 'register', local, wiring);
  const receipts = hostDeployed(deployed, 'receipts', local, wiring);
  const invoke =
    (host: FunctionHost): HttpLambdaHandler =>
    (event) =>
      host.invoke(event) as ReturnType<HttpLambdaHandler>;
  return {
    routes: routeTable(invoke(register), invoke(receipts)),
    stop: async () => {
      await Promise.all([register.stop(), receipts.stop()]);
    },
  };
}

/**
 * The deployed sender bundle, its credentials in a local Secrets Manager in the secrets the template
 * declares for their apps (loaded from the credential files, as an operator loads them with
 * put-secret-value). A credential of an app the template has no secret for is not loaded, as in AWS.
 */
export async function deployedSender(
  wiring: StackWiring,
  deployed: FunctionsManifest,
  env: FunctionEnv,
  credentialFiles: readonly string[],
): Promise<SenderRun> {
  const secrets = credentialFiles.flatMap((file) => {
    const credentials = credentialsOfFile(file);
    if (!credentials) throw new Error(`cannot read the credential file ${file}`);
    return credentials.flatMap((credential) => {
      const platform = credentialPlatform(credential);
      const secret = deployed.secrets.find(
        (candidate) => candidate.platform === platform && candidate.bundleId === credential.bundleId,
      );
      return secret ? [{ name: secret.name, value: JSON.stringify(credential) }] : [];
    });
  });
  const secretsManager = await startLocalSecretsManager({ region: wiring.region, secrets });
  const endpoints = Object.fromEntries(
    [EnvName.apnsEndpoint, EnvName.apnsCaFile, EnvName.fcmEndpoint, EnvName.fcmCaFile].flatMap((name) => {
      const value = env[name];
      return value ? [[name, value]] : [];
    }),
  );
  const host = hostDeployed(
    deployed,
    'sender',
    counterparts(wiring, (name) => secretsManager.arnOf(name), secretsManager.endpoint),
    wiring,
    endpoints,
  );
  return {
    handler: (event) => host.invoke(event) as ReturnType<SenderRun['handler']>,
    timeoutMs: deployed.functions.sender.timeoutSeconds * 1000,
    stop: async () => {
      await host.stop();
      await secretsManager.stop();
    },
  };
}
