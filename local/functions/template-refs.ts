/**
 * Reading the stateless template's values that refer to the stateful stack, for the local stack's
 * build (build-main.ts) and the tests that hold templates to the configs (test/support/template-env.ts).
 */

/** What of the stateful template an import is followed through. */
export interface StatefulTemplateJson {
  readonly Outputs?: Readonly<
    Record<string, { readonly Value?: unknown; readonly Export?: { readonly Name?: string } }>
  >;
  readonly Resources: Readonly<
    Record<string, { readonly Type: string; readonly Properties?: Record<string, unknown> }>
  >;
}

/** A stateful resource a stateless value refers to (through an export). */
export interface ReferencedResource {
  readonly logicalId: string;
  readonly type: string;
  readonly properties: Record<string, unknown>;
}

/**
 * `value` as its literal parts and what `ref` makes of each resource it refers to: `Fn::Join` with its
 * separators, `Fn::ImportValue` followed to the stateful stack's export and the resource its `Ref` names.
 */
export function templateParts<T>(
  value: unknown,
  stateful: StatefulTemplateJson,
  ref: (resource: ReferencedResource) => T,
): Array<string | T> {
  if (typeof value === 'string') return [value];
  const v = value as Record<string, unknown>;
  if (v['Fn::Join']) {
    const [separator, items] = v['Fn::Join'] as [string, unknown[]];
    return items.flatMap((item, i) => [
      ...(i === 0 ? [] : [separator]),
      ...templateParts(item, stateful, ref),
    ]);
  }
  const exported = Object.values(stateful.Outputs ?? {}).find((o) => o.Export?.Name === v['Fn::ImportValue']);
  const logicalId = (exported?.Value as { Ref?: string } | undefined)?.Ref;
  const resource = logicalId ? stateful.Resources[logicalId] : undefined;
  if (!logicalId || !resource) throw new Error(`cannot resolve ${JSON.stringify(value)}`);
  return [ref({ logicalId, type: resource.Type, properties: resource.Properties ?? {} })];
}
