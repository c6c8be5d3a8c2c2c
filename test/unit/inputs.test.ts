import { connect } from '../../shared/declarations/connect';
import { ensureCompute } from '../../shared/declarations/ensure-compute';
import { errorMessage } from '../../shared/errors';
import { Inputs, parseDuration } from '../../shared/inputs';
import { RecordingHost } from '../support/recording-host';

const read = (values: Record<string, string>) => new Inputs(ensureCompute, new RecordingHost(values));
const failure = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return errorMessage(err);
  }
  throw new Error('expected an error');
};

describe('inputs', () => {
  it('applies declared defaults', () => {
    expect(read({}).boolean('wait')).toBe(true);
    expect(read({}).duration('timeout')).toBe(30 * 60_000);
  });
  test.each([
    [{ wait: 'yes' }, () => read({ wait: 'yes' }).boolean('wait'), "--wait must be true or false, got 'yes'"],
    [
      {},
      () => read({ 'max-instances': '2.5' }).number('max-instances'),
      "--max-instances must be a whole number, got '2.5'",
    ],
    [
      {},
      () => read({ 'max-instances': '0' }).number('max-instances', { min: 1 }),
      '--max-instances must be at least 1, got 0',
    ],
    [
      {},
      () => read({ timeout: 'forever' }).duration('timeout'),
      "--timeout must be a duration such as 90s, 20m or 1h30m, got 'forever'",
    ],
    [{}, () => read({ type: 'gpu' }).choice('type'), "--type must be one of amlcompute, computeinstance, got 'gpu'"],
    [{}, () => read({ file: 'nope.yml' }).file('file'), '--file names a file that does not exist: nope.yml'],
    [{}, () => read({}).required('name'), '--name is required'],
  ])('%#: %s', (_v, fn, message) => {
    expect(failure(fn)).toContain(message);
  });
  it('accepts choices case-insensitively and returns the declared spelling', () => {
    expect(new Inputs(connect, new RecordingHost({ cloud: 'azurechinacloud' })).choice('cloud')).toBe(
      'AzureChinaCloud',
    );
  });
});

test.each([
  ['90s', 90_000],
  ['20m', 1_200_000],
  ['1h30m', 5_400_000],
  ['45', 45_000],
  ['1.5', 1500],
  ['', undefined],
  ['1d', undefined],
])('duration %s', (text, ms) => expect(parseDuration(text)).toBe(ms));
