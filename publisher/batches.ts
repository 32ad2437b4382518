/** SendMessageBatch limits: at most 10 entries, and (as this publisher keeps it) 256 KiB in all. */
export const MAX_BATCH_ENTRIES = 10;
export const DEFAULT_MAX_BATCH_BYTES = 256 * 1024;

/**
 * Splits items into consecutive batches of at most `maxEntries` items and `maxBytes` total size,
 * keeping their order. An item larger than `maxBytes` on its own gets a batch of its own (SQS then
 * answers for it alone).
 */
export function toBatches<T extends { readonly bytes: number }>(
  items: readonly T[],
  maxBytes = DEFAULT_MAX_BATCH_BYTES,
  maxEntries = MAX_BATCH_ENTRIES,
): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const item of items) {
    if (current.length > 0 && (current.length === maxEntries || size + item.bytes > maxBytes)) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(item);
    size += item.bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
