import { loadRegisterConfig } from './config';
import { createRegisterHandler } from './create-handler';
import { buildRegisterDeps } from './wiring';

// Module scope runs once per execution environment: configuration checked, clients built and reused.
export const handler = createRegisterHandler(buildRegisterDeps(loadRegisterConfig()));
