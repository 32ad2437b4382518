import type { SectionReport } from '../lib/report';
import { transportSection } from './transport-report';

export interface Section {
  readonly id: string;
  run(quick: boolean, log: (line: string) => void): Promise<SectionReport>;
}

/** In the order of issue 7. */
export const SECTIONS: readonly Section[] = [{ id: 'transport', run: transportSection }];
