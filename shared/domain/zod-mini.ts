import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

/**
 * `zod/mini` for schemas on a Lambda's runtime path: the same validation core as classic `zod`, but it
 * tree-shakes (a few KB in a bundle instead of ≈ 440 KB, docs/performance.md section 4). Import it as a
 * namespace, `import * as z from './zod-mini'`: `import { z } from 'zod/mini'` defeats tree-shaking
 * (esbuild keeps every export of a namespace object used as a value).
 *
 * zod/mini loads no locale, so every issue message would read "Invalid input"; classic zod registers
 * English on its first schema. Do the same here, so messages (the sender's configuration error, the
 * publisher's problems) read as they did with classic zod. Never overrides a locale set before.
 */
if (!config().localeError) config(en());

export * from 'zod/mini';
