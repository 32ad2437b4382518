import path from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../../shared/platform/metric-names';

/** Repository root: entries, the lock file and tsconfig are found from here. */
const PROJECT_ROOT = path.resolve(import.meta.dirname, '../..');

/** ESM bundles have no `require`; some CommonJS dependencies still call it. */
const REQUIRE_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

export interface VoipFunctionProps {
  /** Folder under `functions/`; its `handler.ts` exports `handler`. */
  readonly name: 'register' | 'receipts' | 'sender';
  /** Powertools service name, from `ServiceName` in `shared/platform/metric-names.ts`. */
  readonly serviceName: string;
  /**
   * Extra environment variables (tables are added by `bindTable`).
   * @default - none
   */
  readonly environment?: Record<string, string>;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /**
   * Removal policy of the function's log group.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query'];
const TABLE_ACTIONS = {
  read: READ_ACTIONS,
  readWrite: [
    ...READ_ACTIONS,
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:ConditionCheckItem',
  ],
} as const;

/**
 * One Lambda function of the project: Node.js 22 on arm64, bundled by the local esbuild (no Docker) as
 * minified ESM with source maps, its own log group with a retention, and its own role that can write
 * only to that log group (no AWSLambdaBasicExecutionRole). Tables are bound with `bindTable`, which
 * sets the env var and the grant in one call.
 */
export class VoipFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: VoipFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `voip-push ${props.name} function`,
    });
    this.logGroup.grantWrite(role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: path.join(PROJECT_ROOT, 'functions', props.name, 'handler.ts'),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      role,
      logGroup: this.logGroup,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        banner: REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        // Ship the SDK versions package-lock.json pins, not whatever the runtime carries this month.
        bundleAwsSDK: true,
        forceDockerBundling: false,
      },
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 (nodejs22.x) is the runtime the project decided on, and the one its scripts and tests run on (README); ' +
        'moving to a newer runtime is a deliberate change, not a lint fix.',
    });
  }

  /**
   * Sets `envName` to the table's name and grants `access` on it: only the item actions the adapters
   * call (transactions are authorised per item action). Not the CDK's grantReadData/grantReadWriteData,
   * which add Scan, BatchWriteItem and stream reads that would let a leaked role read every user's tokens.
   */
  bindTable(envName: string, table: ITable, access: 'read' | 'readWrite'): void {
    this.function.addEnvironment(envName, table.tableName);
    table.grant(this.function, ...TABLE_ACTIONS[access]);
  }
}
