import path from 'node:path';
import { type App, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { loadReceiptsConfig, receiptsEnvSchema } from '../../functions/receipts/config';
import { loadRegisterConfig, registerEnvSchema } from '../../functions/register/config';
import { loadSenderConfig, senderEnvSchema } from '../../functions/sender/config';
import type { VoipFunction } from '../../infra/constructs/voip-function';
import {
  type ReferencedResource,
  type StatefulTemplateJson,
  templateParts,
} from '../../local/functions/template-refs';
import * as z from '../../shared/domain/zod-mini';
import { METRICS_NAMESPACE, ServiceName } from '../../shared/platform/metric-names';
import type { SynthesizedApp } from '../infra/synth-app';

export type FunctionName = 'register' | 'receipts' | 'sender';
export const FUNCTION_NAMES: readonly FunctionName[] = ['register', 'receipts', 'sender'];

const CONSTRUCT_ID: Record<FunctionName, string> = {
  register: 'Register',
  receipts: 'Receipts',
  sender: 'Sender',
};

/** A value of synthesized CloudFormation JSON. */
type Json = ReturnType<Template['toJSON']>[string];

/** One function as the stateless template deploys it. */
export interface TemplateFunction {
  readonly logicalId: string;
  /** e.g. `index.handler`: file (without extension) and export. */
  readonly handler: string;
  /** Environment.Variables, values as CloudFormation has them (strings or intrinsics). */
  readonly variables: Readonly<Record<string, Json>>;
  /** The bundled asset folder; present only when the app was synthesized with `bundle: true`. */
  readonly assetDir?: string;
}

/** The function `name` of the stateless template, found by its construct (not by a logical id pattern). */
export function templateFunction(app: SynthesizedApp, name: FunctionName, bundled = false): TemplateFunction {
  const construct = app.stateless.node.findChild(CONSTRUCT_ID[name]) as VoipFunction;
  const cfn = construct.function.node.defaultChild as CfnFunction;
  const logicalId = Stack.of(cfn).getLogicalId(cfn);
  const resource = app.statelessTemplate.toJSON().Resources[logicalId];
  const props = resource.Properties;
  const s3Key = props.Code?.S3Key as string | undefined;
  const outdir = (app.stateless.node.root as App).outdir;
  return {
    logicalId,
    handler: props.Handler,
    variables: props.Environment?.Variables ?? {},
    ...(bundled && s3Key ? { assetDir: path.join(outdir, `asset.${s3Key.replace(/\.zip$/, '')}`) } : {}),
  };
}

export type { ReferencedResource } from '../../local/functions/template-refs';

/**
 * The variables as they come to once deployed: `Fn::Join` joined, `Fn::ImportValue` followed to the
 * stateful stack's export and the resource its `Ref` names, which `resolveRef` turns into a value.
 */
export function resolveVariables(
  variables: Readonly<Record<string, Json>>,
  statefulTemplate: Template,
  resolveRef: (resource: ReferencedResource) => string,
): Record<string, string> {
  const stateful = statefulTemplate.toJSON() as StatefulTemplateJson;
  return Object.fromEntries(
    Object.entries(variables).map(([key, value]) => [
      key,
      templateParts(value, stateful, resolveRef).join(''),
    ]),
  );
}

/** What a reference resolves to in AWS, with made-up account and region: a table's name, a queue's URL, a secret's ARN. */
export function awsLikeValue(resource: ReferencedResource): string {
  switch (resource.type) {
    case 'AWS::DynamoDB::Table':
    case 'AWS::DynamoDB::GlobalTable':
      return (resource.properties.TableName as string | undefined) ?? `table-${resource.logicalId}`;
    case 'AWS::SQS::Queue':
      return `https://sqs.eu-west-1.amazonaws.com/123456789012/${resource.logicalId}`;
    case 'AWS::SecretsManager::Secret':
      return `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${resource.properties.Name ?? resource.logicalId}`;
    default:
      throw new Error(`no value for a reference to ${resource.type} ${resource.logicalId}`);
  }
}

/** Each function's config: the schema its loader parses and the loader. */
export const FUNCTION_CONFIGS = {
  register: { schema: registerEnvSchema, load: loadRegisterConfig },
  receipts: { schema: receiptsEnvSchema, load: loadReceiptsConfig },
  sender: { schema: senderEnvSchema, load: loadSenderConfig },
} as const satisfies Record<FunctionName, { schema: z.ZodMiniObject; load: (env: never) => unknown }>;

/** The variables a config schema reads, and those it fails without (each alone; the sender's one-of rule aside). */
export function envNamesOf(schema: z.ZodMiniObject): { names: string[]; required: string[] } {
  const shape = schema.shape as Record<string, z.ZodMiniType>;
  const names = Object.keys(shape);
  return {
    names,
    required: names.filter((name) => !z.safeParse(shape[name] as z.ZodMiniType, undefined).success),
  };
}

/**
 * Reviewed: variables the template sets that no config reads, who reads them instead, and the value
 * they must have there. The functions pass their service name and namespace to Powertools in code
 * (shared/adapters/powertools-*.ts), so Powertools' own variables are a fallback that must agree.
 */
export const RUNTIME_VARIABLES: Readonly<
  Record<string, { readonly reason: string; readonly value: (name: FunctionName) => string }>
> = {
  NODE_OPTIONS: {
    reason: 'read by Node itself: stack traces through the source maps',
    value: () => '--enable-source-maps',
  },
  POWERTOOLS_SERVICE_NAME: {
    reason: 'Powertools fallback; the code passes ServiceName explicitly',
    value: (name) => ServiceName[name],
  },
  POWERTOOLS_METRICS_NAMESPACE: {
    reason: 'Powertools fallback; the code passes METRICS_NAMESPACE explicitly',
    value: () => METRICS_NAMESPACE,
  },
};
