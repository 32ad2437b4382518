import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, describe, expect, it } from '@jest/globals';
import { CompactLogFormatter, createLogger } from '../../shared/adapters/powertools-log';
import { aLambdaContext } from '../kit/lambda';
import { LogCapture } from '../support/log-capture';

const TRACE = 'Root=1-67a1b2c3-0123456789abcdef01234567;Parent=0123456789abcdef';
const saved = process.env._X_AMZN_TRACE_ID;

afterEach(() => {
  if (saved === undefined) delete process.env._X_AMZN_TRACE_ID;
  else process.env._X_AMZN_TRACE_ID = saved;
});

/** The JSON lines `write` makes `logger` print to stdout. */
function linesOf(logger: Logger, write: (logger: Logger) => void): Record<string, unknown>[] {
  const capture = new LogCapture('compact-log-formatter').start();
  try {
    write(logger);
  } finally {
    capture.stop();
  }
  return capture.jsonLines();
}

describe('the compact log formatter', () => {
  it('leaves out a zero sampling rate and the trace id of an unsampled invocation', () => {
    process.env._X_AMZN_TRACE_ID = `${TRACE};Sampled=0`;
    const [line] = linesOf(createLogger('svc', 'INFO', { compact: true }), (l) =>
      l.info('push attempt', { callId: 'c-1' }),
    );
    expect(line).toEqual({
      level: 'INFO',
      message: 'push attempt',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      service: 'svc',
      callId: 'c-1',
    });
    // Powertools' own formatter writes both.
    const [full] = linesOf(createLogger('svc', 'INFO'), (l) => l.info('push attempt'));
    expect(full).toMatchObject({ sampling_rate: 0, xray_trace_id: '1-67a1b2c3-0123456789abcdef01234567' });
  });

  it('keeps the trace id when the invocation is sampled, a non-zero sampling rate and the Lambda context', () => {
    process.env._X_AMZN_TRACE_ID = `${TRACE};Sampled=1`;
    const logger = new Logger({
      serviceName: 'svc',
      logLevel: 'INFO',
      sampleRateValue: 0.5,
      logFormatter: new CompactLogFormatter(),
    });
    logger.addContext(aLambdaContext(1000, 'fn'));
    const lines = linesOf(logger, (l) => l.info('call fanned out'));
    expect(lines.find((l) => l.message === 'call fanned out')).toMatchObject({
      sampling_rate: 0.5,
      xray_trace_id: '1-67a1b2c3-0123456789abcdef01234567',
      function_name: 'fn',
      function_request_id: 'req-1',
    });
  });
});
