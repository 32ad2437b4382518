/** An error as one log field: its name and message, or its string form when it is not an Error. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
