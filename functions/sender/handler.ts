import { loadSenderConfig } from './config';
import { createSenderHandler } from './create-handler';
import { buildSenderDeps } from './wiring';

// Module scope runs once per execution environment: configuration checked, clients, the APNs
// connections and the credential cache built here and reused by every warm invocation.
export const handler = createSenderHandler(buildSenderDeps(loadSenderConfig()));
