/**
 * `npm run build:functions`: synthesizes (or finds cached) the deployed functions for the local apps of
 * this environment, as `npm start` does first. The tests' global setup runs it once, so parallel
 * workers find the assembly built instead of each synthesizing it.
 */
import { deployedFunctions } from './build';
import { localApps } from './local-apps';

const started = Date.now();
const manifest = await deployedFunctions(localApps(process.env));
process.stdout.write(`functions ${manifest.key} ready in ${Date.now() - started} ms\n`);
