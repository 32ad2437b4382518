/**
 * The console's page: `page/index.html`, `page/console.css`, and `page/main.ts` bundled for the browser
 * by the project's esbuild on first request (no CDN, nothing fetched from the network).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

const PAGE_DIR = join(import.meta.dirname, 'page');

export interface PageAsset {
  readonly type: string;
  readonly body: string;
}

let bundle: Promise<string> | undefined;

async function buildBundle(): Promise<string> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [join(PAGE_DIR, 'main.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
    legalComments: 'none',
  });
  return result.outputFiles[0]?.text ?? '';
}

/** The asset at `path` (`/`, `/app.js`, `/console.css`), or undefined. */
export async function pageAsset(path: string): Promise<PageAsset | undefined> {
  switch (path) {
    case '/':
    case '/index.html':
      return { type: 'text/html; charset=utf-8', body: await readFile(join(PAGE_DIR, 'index.html'), 'utf8') };
    case '/console.css':
      return { type: 'text/css; charset=utf-8', body: await readFile(join(PAGE_DIR, 'console.css'), 'utf8') };
    case '/app.js': {
      bundle ??= buildBundle();
      bundle.catch(() => {
        bundle = undefined;
      });
      return { type: 'text/javascript; charset=utf-8', body: await bundle };
    }
    default:
      return undefined;
  }
}

/** Only the page's own files and API: no inline script, nothing from elsewhere. */
export const PAGE_SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;
