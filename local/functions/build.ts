/**
 * The deployed functions for the local stack: the cloud assembly `cdk synth` builds (bundles and
 * templates) for the local apps, cached by what it is built from so a start after no change costs a
 * hash of the sources, not a synthesis (≈ 6 s on 2 cores).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { App } from '../../shared/domain/known-apps';
import type { FunctionName, FunctionsManifest } from './manifest';

const PROJECT_ROOT = path.resolve(import.meta.dirname, '../..');
/** What a bundle or a template depends on. */
const INPUT_DIRS = ['infra', 'functions', 'shared'];
const INPUT_FILES = [
  'package-lock.json',
  'cdk.json',
  'tsconfig.json',
  // build-main.ts and what it imports from here.
  'local/functions/build-main.ts',
  'local/functions/manifest.ts',
  'local/functions/template-refs.ts',
];
/** Under node_modules, so `npm ci` starts afresh. */
export const FUNCTIONS_CACHE_DIR = path.join(PROJECT_ROOT, 'node_modules/.cache/voip-push/functions');
/** Assemblies kept besides the newest (one per source state). */
const KEEP = 4;

function filesUnder(dir: string): string[] {
  return readdirSync(path.join(PROJECT_ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(ts|mts|mjs|js|json)$/.test(entry.name))
    .map((entry) => path.relative(PROJECT_ROOT, path.join(entry.parentPath, entry.name)))
    .sort();
}

/** The stage the local stack synthesizes (its secrets are `voip-push/dev/...`). */
const LOCAL_STAGE = 'dev';

/** The cdk.json context with the local stage and apps. */
export function localContext(apps: readonly App[]): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return {
    ...cdkJson.context,
    stage: LOCAL_STAGE,
    apps: apps.map((app) =>
      app.platform === 'ios'
        ? { bundleId: app.bundleId, environments: ['sandbox', 'production'] }
        : { platform: 'android', bundleId: app.bundleId },
    ),
  };
}

/** A hash of every input file's path and bytes, and of the context. */
export function assemblyKey(context: Record<string, unknown>): string {
  const hash = createHash('sha256').update(JSON.stringify(context));
  for (const file of [...INPUT_DIRS.flatMap(filesUnder), ...INPUT_FILES]) {
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(path.join(PROJECT_ROOT, file)))
      .update('\0');
  }
  return hash.digest('hex').slice(0, 20);
}

const run = promisify(execFile);

/**
 * The manifest of the assembly for `apps`, synthesized (in a process of its own) unless one built
 * from the same sources is cached. Concurrent callers (test workers) each build in a folder of their
 * own and the first to finish publishes it with a rename.
 */
export async function deployedFunctions(apps: readonly App[]): Promise<FunctionsManifest> {
  const context = localContext(apps);
  const key = assemblyKey(context);
  const dir = path.join(FUNCTIONS_CACHE_DIR, key);
  const manifestFile = path.join(dir, 'functions.json');
  if (!existsSync(manifestFile)) {
    mkdirSync(FUNCTIONS_CACHE_DIR, { recursive: true });
    const building = `${dir}.building-${process.pid}-${Date.now()}`;
    try {
      await run(
        process.execPath,
        [
          '--import',
          'tsx',
          path.join(PROJECT_ROOT, 'local/functions/build-main.ts'),
          building,
          key,
          JSON.stringify(context),
        ],
        { cwd: PROJECT_ROOT, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, NODE_OPTIONS: '' } },
      );
    } catch (error) {
      rmSync(building, { recursive: true, force: true });
      const stderr = (error as { stderr?: string }).stderr ?? '';
      throw new Error(`cdk synth of the local functions failed: ${stderr.trim() || String(error)}`);
    }
    try {
      renameSync(building, dir);
    } catch {
      // Another process published the same assembly first.
      rmSync(building, { recursive: true, force: true });
    }
    prune(key);
  }
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as FunctionsManifest;
  // Task roots are kept relative to the assembly's folder, which is renamed once built.
  const absolute = (name: FunctionName) => ({
    ...manifest.functions[name],
    taskRoot: path.resolve(dir, manifest.functions[name].taskRoot),
  });
  return {
    ...manifest,
    functions: { register: absolute('register'), receipts: absolute('receipts'), sender: absolute('sender') },
  };
}

/** Drops all but the newest assemblies (by modification time), never `keep`. */
function prune(keep: string): void {
  const entries = readdirSync(FUNCTIONS_CACHE_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.includes('.building-') && entry.name !== keep)
    .map((entry) => path.join(FUNCTIONS_CACHE_DIR, entry.name));
  const byAge = entries.map((file) => ({ file, mtime: statMtime(file) })).sort((a, b) => b.mtime - a.mtime);
  for (const old of byAge.slice(KEEP - 1)) rmSync(old.file, { recursive: true, force: true });
}

function statMtime(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}
