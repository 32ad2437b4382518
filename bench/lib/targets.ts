/** One performance target (docs/performance.md), checked against a measured value. */
export interface TargetCheck {
  readonly section: string;
  readonly target: string;
  readonly measured: string;
  readonly pass: boolean;
}

export function check(section: string, target: string, measured: string, pass: boolean): TargetCheck {
  return { section, target, measured, pass };
}
