/**
 * What `cdk synth` deploys of each function, as the local stack needs it to run the same thing: the
 * bundle (asset folder and handler string), timeout, memory and the template's environment, with each
 * reference to a stateful resource kept as a reference (the stack resolves it to its local counterpart).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Platform } from '../../shared/domain/device';
import type { ServiceName } from '../../shared/platform/metric-names';

export type FunctionName = keyof typeof ServiceName;

/** A stateful resource a function's environment refers to. */
export type LocalResource =
  | { readonly kind: 'table'; readonly table: 'devices' | 'deliveries' }
  | { readonly kind: 'queue'; readonly queue: 'calls' | 'deadLetters' }
  | { readonly kind: 'secret'; readonly name: string };

/** One variable's value: literal text and references, joined (`Fn::Join` with its parts resolved). */
export type TemplateValue = ReadonlyArray<string | { readonly ref: LocalResource }>;

export interface DeployedFunction {
  /** The deployed function name's local stand-in, e.g. `voip-push-sender`. */
  readonly functionName: string;
  /** The bundle's asset folder in the cloud assembly (Lambda's task root); relative in functions.json. */
  readonly taskRoot: string;
  /** The template's `Handler`, e.g. `index.handler`. */
  readonly handler: string;
  readonly timeoutSeconds: number;
  readonly memoryMB: number;
  /** `Environment.Variables` of the template. */
  readonly variables: Readonly<Record<string, TemplateValue>>;
}

/** A credential secret of the template and the app whose credential it holds. */
export interface SecretOfApp {
  readonly name: string;
  readonly platform: Platform;
  readonly bundleId: string;
}

export interface FunctionsManifest {
  /** What the assembly was built from (the cache key). */
  readonly key: string;
  /** The secrets the template declares, one per app. */
  readonly secrets: readonly SecretOfApp[];
  readonly functions: Readonly<Record<FunctionName, DeployedFunction>>;
}

/** Where Lambda's Node.js runtime finds `<file>.<export>` of `fn` under its task root (.js, .mjs, .cjs). */
export function handlerModule(fn: Pick<DeployedFunction, 'taskRoot' | 'handler'>): {
  file: string;
  exportName: string;
} {
  const dot = fn.handler.lastIndexOf('.');
  const base = path.join(fn.taskRoot, fn.handler.slice(0, dot));
  const file = ['.js', '.mjs', '.cjs'].map((ext) => base + ext).find((candidate) => existsSync(candidate));
  if (!file) throw new Error(`no module for handler ${fn.handler} in ${fn.taskRoot}`);
  return { file, exportName: fn.handler.slice(dot + 1) };
}

/** A variable's value once each reference is replaced by `resolve(resource)`. */
export function resolveValue(value: TemplateValue, resolve: (resource: LocalResource) => string): string {
  return value.map((part) => (typeof part === 'string' ? part : resolve(part.ref))).join('');
}
