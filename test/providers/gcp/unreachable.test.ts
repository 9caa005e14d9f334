/** An endpoint that does not answer is 'unreachable', named by scheme, host and port only. */
import { describe, expect, it } from 'vitest';
import { toDrainctlError } from '../../../src/providers/gcp/errors.js';
import { createProvider, group, rejectionOf } from './helpers.js';
import { freePort } from '../../support/ports.js';
import { testCall } from '../../support/call.js';

describe('network failures', () => {
  it('maps connection refused (a port nobody listens on) to unreachable, naming the endpoint without its path or query', async () => {
    const port = await freePort();
    const provider = await createProvider('gcp-ig', { endpointUrl: `http://127.0.0.1:${port}/some/path?access_token=secret`, env: {} });
    const error = await rejectionOf(provider.describe(group('gcp-ig', 'demo-project/us-central1-a/web-ig'), 'all', testCall()));
    expect(error).toMatchObject({ kind: 'provider', retryable: 'unreachable', details: { endpoint: `http://127.0.0.1:${port}`, code: 'ECONNREFUSED' } });
    expect(error.message).toBe(`look up instance group projects/demo-project/zones/us-central1-a/instanceGroups/web-ig: http://127.0.0.1:${port} did not answer (ECONNREFUSED)`);
    expect(JSON.stringify({ message: error.message, details: error.details, hint: error.hint })).not.toMatch(/secret|some\/path/);
  });

  // The shapes fetch (undici) rejects with when the connection fails in other ways, on the same port nobody listens on.
  const fetchFailure = (code: string, message = 'fetch failed') => Object.assign(new TypeError(message), { cause: Object.assign(new Error(`connect ${code}`), { code }) });
  it.each([
    ['ECONNRESET', fetchFailure('ECONNRESET')],
    ['EHOSTUNREACH', fetchFailure('EHOSTUNREACH')],
    ['ECONNRESET', Object.assign(new Error('socket hang up'), {})],
    ['EFETCH', new TypeError('fetch failed')],
  ])('maps %s to unreachable with the endpoint', async (code, failure) => {
    const port = await freePort();
    const error = toDrainctlError(failure, { what: 'read backend service x', endpoint: `http://127.0.0.1:${port}/compute/v1?key=k` });
    expect(error).toMatchObject({ kind: 'provider', retryable: 'unreachable', details: { endpoint: `http://127.0.0.1:${port}`, code } });
  });

  it('names the default endpoint with its port', () => {
    expect(toDrainctlError(new TypeError('fetch failed'), { what: 'x' }).details.endpoint).toBe('https://compute.googleapis.com:443');
  });
});

describe('credentials', () => {
  it('a GOOGLE_APPLICATION_CREDENTIALS file that is not there is a credentials error with the way out', () => {
    const error = toDrainctlError(new Error("The file at /nonexistent/key.json does not exist, or it is not a file. ENOENT: no such file or directory, lstat '/nonexistent'"), { what: 'look up instance group x' });
    expect(error.message).toMatch(/^look up instance group x: no usable Google Cloud credentials/);
    expect(error.hint).toMatch(/GOOGLE_APPLICATION_CREDENTIALS/);
  });
});
