import { execFileSync } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';

/** Call-control services load `voip-push/publisher` from plain Node.js: the package's export must run as JS. */
describe('publisher package export', () => {
  it('loads voip-push/publisher in plain Node.js with its functions when the package is built', () => {
    execFileSync('npm', ['run', '--silent', 'build:publisher'], { stdio: 'pipe' });
    const keys = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const m = await import('voip-push/publisher'); console.log(JSON.stringify(Object.keys(m).sort()));",
      ],
      { encoding: 'utf8' },
    );
    expect(JSON.parse(keys)).toEqual([
      'CallEventValidationError',
      'callEventSchema',
      'publishCalls',
      'publishIncomingCall',
      'publishMissedCall',
    ]);
  });
});
