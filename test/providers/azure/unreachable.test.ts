/** An ARM endpoint that does not answer is 'unreachable', named by scheme, host and port only. */
import { describe, expect, it } from 'vitest';
import { toDrainctlError } from '../../../src/providers/azure/errors.js';
import { freePort } from '../../support/ports.js';
import { testCall } from '../../support/call.js';
import { group, lbProvider } from './helpers.js';

describe('network failures', () => {
  it('maps connection refused (a port nobody listens on) to unreachable, naming the endpoint without path or query', async () => {
    const port = await freePort();
    const provider = await lbProvider(`http://127.0.0.1:${port}`, { conflict: {}, pollIntervalMs: 5 });
    const error = await provider.describe(group('azure-lb', 'demo-lb', 'web-pool'), 'all', testCall()).then(() => undefined, (e: unknown) => e as Error & { details: Record<string, unknown> });
    expect(error).toMatchObject({ kind: 'provider', retryable: 'unreachable', details: { endpoint: `http://127.0.0.1:${port}`, code: 'ECONNREFUSED' } });
    expect(error!.message).toBe(`read backend pool web-pool of load balancer demo-lb: http://127.0.0.1:${port} did not answer (ECONNREFUSED)`);
    // The request URL (subscription, api-version) is not repeated in what the user sees.
    expect(JSON.stringify({ message: error!.message, details: error!.details })).not.toMatch(/subscriptions|api-version/);
  });

  // The shapes the SDK's pipeline rejects with when the connection fails in other ways, against the same unused port.
  const restError = (fields: Record<string, unknown>, url: string) => Object.assign(new Error(String(fields.message)), { name: 'RestError', request: { url } }, fields);
  it.each([
    ['ECONNRESET', { code: 'ECONNRESET', message: 'read ECONNRESET' }],
    ['EHOSTUNREACH', { code: 'EHOSTUNREACH', message: 'connect EHOSTUNREACH 127.0.0.1' }],
    ['ECONNRESET', { code: 'REQUEST_SEND_ERROR', message: 'socket hang up' }],
    ['ECONNREFUSED', { code: 'REQUEST_SEND_ERROR', message: 'Error sending request: connect ECONNREFUSED' }],
    ['EFETCH', { message: 'fetch failed' }],
  ])('maps %s to unreachable with the endpoint', async (code, fields) => {
    const port = await freePort();
    const error = toDrainctlError(restError(fields, `http://127.0.0.1:${port}/subscriptions/s/x?api-version=1&sig=secret`), { what: 'read load balancer x' });
    expect(error).toMatchObject({ kind: 'provider', retryable: 'unreachable', details: { endpoint: `http://127.0.0.1:${port}`, code } });
    expect(error.message).not.toMatch(/secret/);
  });

  it('an HTTP answer is never unreachable, whatever the message says', () => {
    const error = toDrainctlError(Object.assign(new Error('socket hang up'), { statusCode: 503, code: 'ServiceUnavailable' }), { what: 'x' });
    expect(error.retryable).toBe('transient');
  });
});
