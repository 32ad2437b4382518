import { loadReceiptsConfig } from './config';
import { createReceiptsHandler } from './create-handler';
import { buildReceiptsDeps } from './wiring';

// Module scope runs once per execution environment: configuration checked, clients built and reused.
export const handler = createReceiptsHandler(buildReceiptsDeps(loadReceiptsConfig()));
