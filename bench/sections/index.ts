import type { SectionReport } from '../lib/report';
import { coldStartSection } from './cold-start';
import { costSection } from './cost';
import { fcmTransportSection } from './fcm-transport';
import { registerSection } from './register';
import { callLatencySection, memorySection, senderPathSection } from './sender';
import { transportSection } from './transport-report';

export interface Section {
  readonly id: string;
  run(quick: boolean, log: (line: string) => void): Promise<SectionReport>;
}

/** In the order of docs/performance.md (memory last: it reads the sender process of items 2 and 3). */
export const SECTIONS: readonly Section[] = [
  { id: 'transport', run: transportSection },
  { id: 'fcm-transport', run: fcmTransportSection },
  { id: 'sender', run: senderPathSection },
  { id: 'latency', run: callLatencySection },
  { id: 'cold-start', run: coldStartSection },
  { id: 'register', run: registerSection },
  { id: 'memory', run: memorySection },
  { id: 'cost', run: costSection },
];
