/** Throttling, injected faults, failed operations, requestId de-duplication and the request log, seen through the real client. */
import { describe, expect, it } from 'vitest';
import { demoSeed, mulberry32, type GcpEmulator } from '../../../src/emulators/gcp/index.js';
import { FakeClock, emulatorHarness, errorBody, rejectionOf, uuid, waitZone, type Clients } from './helpers.js';

const P = 'demo-project';
const ZONE = 'us-central1-a';
const h = emulatorHarness();

const getIg = (api: Clients) => api.instanceGroups.get({ project: P, zone: ZONE, instanceGroup: 'web-ig' });
const members = async (api: Clients) => (await api.instanceGroups.listInstances({ project: P, zone: ZONE, instanceGroup: 'web-ig', instanceGroupsListInstancesRequestResource: {} }))[0].map((i) => i.instance!.split('/').pop());
const remove = (api: Clients, name: string, requestId?: string) =>
  api.instanceGroups.removeInstances({ project: P, zone: ZONE, instanceGroup: 'web-ig', requestId, instanceGroupsRemoveInstancesRequestResource: { instances: [{ instance: `zones/${ZONE}/instances/${name}` }] } });

describe('rate quotas', () => {
  it('refuses with 403 rateLimitExceeded (the documented status) once the read bucket is empty, and refills over the minute', async () => {
    const clock = new FakeClock();
    const { api } = await h.start({ seed: demoSeed(), clock, rateLimits: { read: 3 } });
    for (let i = 0; i < 3; i++) await getIg(api);
    const error = await rejectionOf(getIg(api));
    expect(error.status).toBe(403);
    expect(errorBody(error)).toMatchObject({ code: 403, errors: [{ reason: 'rateLimitExceeded', domain: 'usageLimits' }] });
    expect(errorBody(error).message).toMatch(/Quota exceeded for quota metric 'Read requests'/);
    // Writes have their own bucket.
    await remove(api, 'web-1');
    clock.advance(20_000); // a third of the minute: one token back
    await getIg(api);
    expect((await rejectionOf(getIg(api))).status).toBe(403);
  });

  it('can answer 429 instead, and can be switched off', async () => {
    const { api, emulator } = await h.start({ seed: demoSeed(), rateLimits: { read: 1 }, throttleStatus: 429 });
    await getIg(api);
    expect((await rejectionOf(getIg(api))).status).toBe(429);
    emulator.setThrottle('off');
    for (let i = 0; i < 5; i++) await getIg(api);
    emulator.setThrottle('gcp');
    await getIg(api);
  });

  it('keeps separate buckets per project', async () => {
    const seed = { projects: { 'project-one': { zones: { [ZONE]: { instances: [{ name: 'a' }], instanceGroups: [{ name: 'g', instances: ['a'] }] } } }, 'project-two': { zones: { [ZONE]: { instances: [{ name: 'a' }], instanceGroups: [{ name: 'g', instances: ['a'] }] } } } } };
    const { api } = await h.start({ seed, rateLimits: { read: 1 } });
    await api.instanceGroups.get({ project: 'project-one', zone: ZONE, instanceGroup: 'g' });
    await api.instanceGroups.get({ project: 'project-two', zone: ZONE, instanceGroup: 'g' });
    expect((await rejectionOf(api.instanceGroups.get({ project: 'project-one', zone: ZONE, instanceGroup: 'g' }))).status).toBe(403);
  });
});

describe('operations', () => {
  it('finish DONE with an error when told to, and the change is not applied', async () => {
    const { api, emulator } = await h.start({ seed: demoSeed(), operationDelayMs: 20 });
    emulator.failNextOperation({ code: 'RESOURCE_NOT_READY', message: 'The resource web-ig is not ready', httpErrorStatusCode: 400 });
    const [lro] = await remove(api, 'web-1');
    const done = await waitZone(api, P, lro.latestResponse as never);
    expect(done).toMatchObject({ status: 'DONE', error: { errors: [{ code: 'RESOURCE_NOT_READY', message: 'The resource web-ig is not ready' }] }, httpErrorStatusCode: 400, httpErrorMessage: 'BAD REQUEST' });
    expect(await members(api)).toContain('web-1');
    expect(emulator.requestLog.find((e) => e.action === 'instanceGroups.removeInstances')?.fault).toBe('operation_error');
    // Only the next one.
    const [again] = await remove(api, 'web-1');
    expect((await waitZone(api, P, again.latestResponse as never)).error).toBeUndefined();
    expect(await members(api)).not.toContain('web-1');
  });

  it('answer a repeated requestId with the first operation and apply the change once', async () => {
    const { api, emulator } = await h.start({ seed: demoSeed(), operationDelayMs: 0 });
    const [svc] = await api.backendServices.get({ project: P, backendService: 'web-bs' });
    const patch = () => api.backendServices.patch({ project: P, backendService: 'web-bs', requestId: uuid(7), backendServiceResource: { connectionDraining: { drainingTimeoutSec: 42 }, fingerprint: svc.fingerprint } });
    const [first] = await patch();
    // The fingerprint is stale now, but the retry is recognised by its requestId instead of refused with 412.
    const [second] = await patch();
    expect((second.latestResponse as unknown as { name: string }).name).toBe((first.latestResponse as unknown as { name: string }).name);
    expect((second.latestResponse as unknown as { clientOperationId: string }).clientOperationId).toBe(uuid(7));
    const [after] = await api.backendServices.get({ project: P, backendService: 'web-bs' });
    expect(after.connectionDraining?.drainingTimeoutSec).toBe(42);
    expect(emulator.mutatingCalls().map((e) => [e.action, e.status, e.requestId])).toEqual([
      ['backendServices.patch', 200, uuid(7)],
      ['backendServices.patch', 200, uuid(7)],
    ]);
    const bad = await rejectionOf(api.backendServices.patch({ project: P, backendService: 'web-bs', requestId: '00000000-0000-0000-0000-000000000000', backendServiceResource: { fingerprint: after.fingerprint } }));
    expect(bad.status).toBe(400);
  });
});

describe('faults', () => {
  it('answers 500 or 503 backendError without applying the change; the client does not retry them', async () => {
    const { api, emulator } = await h.start({ seed: demoSeed(), faults: { serverErrorRate: 1 }, random: mulberry32(1) });
    const statuses = new Set<number | undefined>();
    for (let i = 0; i < 8; i++) statuses.add((await rejectionOf(remove(api, 'web-1'))).status);
    expect([...statuses].sort()).toEqual([500, 503]);
    expect(emulator.callCount({ action: 'instanceGroups.removeInstances' })).toBe(8);
    emulator.setFaults({});
    expect(await members(api)).toContain('web-1');
  });

  it('resets the connection after applying the change', async () => {
    const { api, emulator } = await h.start({ seed: demoSeed(), faults: { resetRate: 1 } });
    const error = await rejectionOf(remove(api, 'web-1'));
    expect(String((error as { code?: unknown }).code)).toMatch(/ECONNRESET/);
    emulator.setFaults({});
    expect(await members(api)).not.toContain('web-1');
    expect(emulator.requestLog[0]).toMatchObject({ action: 'instanceGroups.removeInstances', status: 200, fault: 'reset' });
  });

  it('is deterministic with a seeded generator', async () => {
    const run = async () => {
      const { api, emulator } = await h.start({ seed: demoSeed(), faults: { throttleRate: 0.3, serverErrorRate: 0.3 }, random: mulberry32(42) });
      for (let i = 0; i < 12; i++) await getIg(api).catch(() => undefined);
      return emulator.requestLog.map((e) => `${e.status}/${e.fault ?? '-'}`);
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(new Set(first).size).toBeGreaterThan(1);
  });

  it('rejects fault settings out of range', async () => {
    await expect(h.start({ faults: { serverErrorRate: 1.5 } })).rejects.toThrow(/faults.serverErrorRate must be a number 0-1/);
    await expect(h.start({ faults: { throttleRate: 0.6, resetRate: 0.6 } })).rejects.toThrow(/must not exceed 1/);
  });
});

describe('request log', () => {
  function only(emulator: GcpEmulator) {
    return emulator.requestLog.map(({ seq, method, path, action, status, mutating, project }) => ({ seq, method, path, action, status, mutating, project }));
  }

  it('records method, path, API method, status and mutation, and header names but never values', async () => {
    const { api, emulator } = await h.start({ seed: demoSeed(), operationDelayMs: 0 });
    await getIg(api);
    await remove(api, 'web-1', uuid(3));
    await rejectionOf(api.instanceGroups.get({ project: P, zone: ZONE, instanceGroup: 'nope' }));
    expect(only(emulator)).toEqual([
      { seq: 1, method: 'GET', path: `/compute/v1/projects/${P}/zones/${ZONE}/instanceGroups/web-ig`, action: 'instanceGroups.get', status: 200, mutating: false, project: P },
      { seq: 2, method: 'POST', path: `/compute/v1/projects/${P}/zones/${ZONE}/instanceGroups/web-ig/removeInstances`, action: 'instanceGroups.removeInstances', status: 200, mutating: true, project: P },
      { seq: 3, method: 'GET', path: `/compute/v1/projects/${P}/zones/${ZONE}/instanceGroups/nope`, action: 'instanceGroups.get', status: 404, mutating: false, project: P },
    ]);
    expect(emulator.requestLog[1]!.requestId).toBe(uuid(3));
    expect(emulator.requestLog[2]!.reason).toBe('notFound');
    expect(emulator.requestLog[0]!.headerNames).toContain('x-goog-api-client');
    expect(emulator.requestLog.flatMap((e) => e.headerNames)).not.toContain('authorization');
    expect(emulator.mutatingCalls().map((e) => e.seq)).toEqual([2]);
    expect(emulator.callCount({ action: 'instanceGroups.get' })).toBe(2);
    emulator.clearLog();
    await getIg(api);
    expect(emulator.requestLog.map((e) => e.seq)).toEqual([4]);
  });

  it('answers a path it does not serve with a Google 404 and logs it as unknown', async () => {
    const { emulator } = await h.start({ seed: demoSeed() });
    const response = await fetch(`${emulator.url}/compute/v1/projects/${P}/zones/${ZONE}/instances/web-1`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { errors: { reason: string }[] } }).error.errors[0]!.reason).toBe('notFound');
    expect(emulator.requestLog[0]).toMatchObject({ action: 'unknown', status: 404 });
  });
});
