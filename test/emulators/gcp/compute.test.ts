/**
 * The real @google-cloud/compute clients (REST transport) against the emulator: paths, bodies,
 * operations and errors exactly as the SDK sends and parses them.
 */
import { describe, expect, it } from 'vitest';
import { demoSeed, type GcpSeed } from '../../../src/emulators/gcp/index.js';
import { FakeClock, emulatorHarness, errorBody, rejectionOf, uuid, waitGlobal, waitZone } from './helpers.js';

const P = 'demo-project';
const ZONE = 'us-central1-a';
const IG_URL = `https://www.googleapis.com/compute/v1/projects/${P}/zones/${ZONE}/instanceGroups/web-ig`;
const IG_B_URL = `https://www.googleapis.com/compute/v1/projects/${P}/zones/us-central1-b/instanceGroups/web-ig-b`;
const h = emulatorHarness();

describe('backendServices', () => {
  it('gets a service with its backends, draining timeout and fingerprint', async () => {
    const { api } = await h.start({ seed: demoSeed() });
    const [svc] = await api.backendServices.get({ project: P, backendService: 'web-bs' });
    expect(svc).toMatchObject({ name: 'web-bs', loadBalancingScheme: 'EXTERNAL_MANAGED', protocol: 'HTTP', connectionDraining: { drainingTimeoutSec: 5 } });
    expect(svc.fingerprint).toMatch(/^[A-Za-z0-9+/]{11}=$/);
    expect(svc.backends?.map((b) => [b.group, b.balancingMode, b.capacityScaler, b.maxUtilization])).toEqual([
      [IG_URL, 'UTILIZATION', 1, 0.8],
      [IG_B_URL, 'UTILIZATION', 1, 0.8],
    ]);
  });

  it('patches with the current fingerprint, returns a global operation and changes the fingerprint', async () => {
    const { api } = await h.start({ seed: demoSeed(), operationDelayMs: 100 });
    const [svc] = await api.backendServices.get({ project: P, backendService: 'web-bs' });
    const backends = svc.backends!.map((b) => (b.group === IG_URL ? { ...b, capacityScaler: 0 } : b));
    const [lro] = await api.backendServices.patch({ project: P, backendService: 'web-bs', requestId: uuid(1), backendServiceResource: { backends, fingerprint: svc.fingerprint } });
    const op = lro.latestResponse as unknown as Record<string, unknown>;
    expect(op).toMatchObject({ kind: 'compute#operation', operationType: 'patch', clientOperationId: uuid(1) });
    expect(['PENDING', 'RUNNING']).toContain(op.status);
    expect(op.targetLink).toBe(`https://www.googleapis.com/compute/v1/projects/${P}/global/backendServices/web-bs`);
    expect(await waitGlobal(api, P, op as never)).toMatchObject({ status: 'DONE', progress: 100 });
    const [after] = await api.backendServices.get({ project: P, backendService: 'web-bs' });
    expect(after.backends!.map((b) => b.capacityScaler)).toEqual([0, 1]);
    expect(after.fingerprint).not.toBe(svc.fingerprint);
  });

  it('answers a stale or missing fingerprint with 412 conditionNotMet and changes nothing', async () => {
    const { api, emulator } = await h.start({ seed: demoSeed() });
    const [svc] = await api.backendServices.get({ project: P, backendService: 'web-bs' });
    await api.backendServices.patch({ project: P, backendService: 'web-bs', backendServiceResource: { connectionDraining: { drainingTimeoutSec: 9 }, fingerprint: svc.fingerprint } });
    for (const fingerprint of [svc.fingerprint, undefined]) {
      const error = await rejectionOf(api.backendServices.patch({ project: P, backendService: 'web-bs', backendServiceResource: { connectionDraining: { drainingTimeoutSec: 60 }, fingerprint } }));
      expect(error.constructor.name).toBe('GaxiosError');
      expect(error.status).toBe(412);
      expect(errorBody(error)).toMatchObject({ code: 412, errors: [{ reason: 'conditionNotMet', domain: 'global' }] });
    }
    const [after] = await api.backendServices.get({ project: P, backendService: 'web-bs' });
    expect(after.connectionDraining?.drainingTimeoutSec).toBe(9);
    expect(emulator.callCount({ action: 'backendServices.patch' })).toBe(3);
  });

  it('enforces the capacityScaler rules with 400 invalid', async () => {
    const { api } = await h.start({ seed: demoSeed() });
    const [svc] = await api.backendServices.get({ project: P, backendService: 'web-bs' });
    const patch = (backends: object[]) => api.backendServices.patch({ project: P, backendService: 'web-bs', backendServiceResource: { backends, fingerprint: svc.fingerprint } });
    const between = await rejectionOf(patch(svc.backends!.map((b) => ({ ...b, capacityScaler: 0.05 }))));
    expect(between.status).toBe(400);
    expect(errorBody(between)).toMatchObject({ errors: [{ reason: 'invalid' }] });
    expect(errorBody(between).message).toMatch(/capacityScaler': '0.05'.*0 or between 0.1 and 1.0/);

    const [neg] = await api.backendServices.get({ project: P, backendService: 'neg-bs' });
    const only = await rejectionOf(api.backendServices.patch({ project: P, backendService: 'neg-bs', backendServiceResource: { backends: neg.backends!.map((b) => ({ ...b, capacityScaler: 0 })), fingerprint: neg.fingerprint } }));
    expect(only.status).toBe(400);
    expect(errorBody(only).message).toMatch(/only one backend/);

    const [ilb] = await api.regionBackendServices.get({ project: P, region: 'us-central1', backendService: 'web-ilb' });
    expect(ilb.backends![0]!.capacityScaler).toBeUndefined();
    const internal = await rejectionOf(
      api.regionBackendServices.patch({ project: P, region: 'us-central1', backendService: 'web-ilb', backendServiceResource: { backends: ilb.backends!.map((b) => ({ ...b, capacityScaler: 0.5 })), fingerprint: ilb.fingerprint } }),
    );
    expect(errorBody(internal).message).toMatch(/Capacity scaler must not be set for an INTERNAL backend service/);
  });

  it('replaces the backends array wholesale: a RATE backend sent without its target is refused, an omitted field resets', async () => {
    const { api } = await h.start({ seed: demoSeed() });
    const [neg] = await api.backendServices.get({ project: P, backendService: 'neg-bs' });
    const error = await rejectionOf(api.backendServices.patch({ project: P, backendService: 'neg-bs', backendServiceResource: { backends: [{ group: neg.backends![0]!.group, balancingMode: 'RATE' }], fingerprint: neg.fingerprint } }));
    expect(errorBody(error).message).toMatch(/RATE balancing mode requires maxRate/);

    const [svc] = await api.backendServices.get({ project: P, backendService: 'web-bs' });
    const [lro] = await api.backendServices.patch({ project: P, backendService: 'web-bs', backendServiceResource: { backends: svc.backends!.map((b) => ({ group: b.group })), fingerprint: svc.fingerprint } });
    await waitGlobal(api, P, lro.latestResponse as never);
    const [after] = await api.backendServices.get({ project: P, backendService: 'web-bs' });
    expect(after.backends!.map((b) => [b.balancingMode, b.capacityScaler, b.maxUtilization])).toEqual([
      ['UTILIZATION', 1, undefined],
      ['UTILIZATION', 1, undefined],
    ]);
  });

  it('lists global and regional services with aggregatedList', async () => {
    const { api } = await h.start({ seed: demoSeed() });
    const scopes: Record<string, string[]> = {};
    for await (const [scope, list] of api.backendServices.aggregatedListAsync({ project: P }, { autoPaginate: false })) scopes[scope] = (list.backendServices ?? []).map((s) => s.name!);
    expect(scopes).toEqual({ global: ['web-bs', 'mig-bs', 'neg-bs'], 'regions/us-central1': ['web-ilb'] });
  });

  it('reports member health with getHealth; a new member fails until healthyAfterMs has passed', async () => {
    const clock = new FakeClock();
    const { api } = await h.start({ seed: demoSeed(), clock, healthyAfterMs: 1000, operationDelayMs: 0 });
    const health = async () => (await api.backendServices.getHealth({ project: P, backendService: 'web-bs', resourceGroupReferenceResource: { group: IG_URL } }))[0].healthStatus!.map((s) => [s.instance!.split('/').pop(), s.ipAddress, s.port, s.healthState]);
    expect(await health()).toEqual([
      ['web-1', '10.128.0.11', 8080, 'HEALTHY'],
      ['web-2', '10.128.0.12', 8080, 'HEALTHY'],
      ['web-3', '10.128.0.13', 8080, 'HEALTHY'],
    ]);
    await api.instanceGroups.removeInstances({ project: P, zone: ZONE, instanceGroup: 'web-ig', instanceGroupsRemoveInstancesRequestResource: { instances: [{ instance: `zones/${ZONE}/instances/web-1` }] } });
    await api.instanceGroups.addInstances({ project: P, zone: ZONE, instanceGroup: 'web-ig', instanceGroupsAddInstancesRequestResource: { instances: [{ instance: `zones/${ZONE}/instances/web-1` }] } });
    expect((await health()).find((r) => r[0] === 'web-1')?.[3]).toBe('UNHEALTHY');
    clock.advance(1000);
    expect((await health()).find((r) => r[0] === 'web-1')?.[3]).toBe('HEALTHY');
    const error = await rejectionOf(api.backendServices.getHealth({ project: P, backendService: 'neg-bs', resourceGroupReferenceResource: { group: IG_URL } }));
    expect(error.status).toBe(400);
  });
});

describe('instanceGroups and operations', () => {
  it('removes and adds instances through zonal operations that go PENDING -> RUNNING -> DONE', async () => {
    const clock = new FakeClock();
    const { api } = await h.start({ seed: demoSeed(), clock, operationDelayMs: 200 });
    const [lro] = await api.instanceGroups.removeInstances({ project: P, zone: ZONE, instanceGroup: 'web-ig', requestId: uuid(2), instanceGroupsRemoveInstancesRequestResource: { instances: [{ instance: `zones/${ZONE}/instances/web-1` }, { instance: `https://www.googleapis.com/compute/v1/projects/${P}/zones/${ZONE}/instances/web-2` }] } });
    const op = lro.latestResponse as unknown as { name: string; status: string; zone: string; operationType: string };
    expect(op).toMatchObject({ status: 'PENDING', operationType: 'removeInstances', zone: `https://www.googleapis.com/compute/v1/projects/${P}/zones/${ZONE}` });
    clock.advance(100);
    expect((await api.zoneOperations.get({ project: P, zone: ZONE, operation: op.name }))[0].status).toBe('RUNNING');
    clock.advance(100);
    expect((await api.zoneOperations.wait({ project: P, zone: ZONE, operation: op.name }))[0]).toMatchObject({ status: 'DONE', progress: 100, clientOperationId: uuid(2) });
    const [items] = await api.instanceGroups.listInstances({ project: P, zone: ZONE, instanceGroup: 'web-ig', instanceGroupsListInstancesRequestResource: { instanceState: 'ALL' } });
    expect(items.map((i) => [i.instance!.split('/').pop(), i.status])).toEqual([['web-3', 'RUNNING']]);
    const [add] = await api.instanceGroups.addInstances({ project: P, zone: ZONE, instanceGroup: 'web-ig', instanceGroupsAddInstancesRequestResource: { instances: [{ instance: `zones/${ZONE}/instances/web-1` }] } });
    clock.advance(200);
    expect((await waitZone(api, P, add.latestResponse as never)).status).toBe('DONE');
    const [group] = await api.instanceGroups.get({ project: P, zone: ZONE, instanceGroup: 'web-ig' });
    expect(group).toMatchObject({ name: 'web-ig', size: 2, namedPorts: [{ name: 'http', port: 8080 }] });
  });

  it('answers removing a non-member with 404, before any operation', async () => {
    const { api, emulator } = await h.start({ seed: demoSeed() });
    const error = await rejectionOf(api.instanceGroups.removeInstances({ project: P, zone: ZONE, instanceGroup: 'web-ig', instanceGroupsRemoveInstancesRequestResource: { instances: [{ instance: `zones/us-central1-b/instances/web-4` }] } }));
    expect(error.status).toBe(400);
    const stranger = await rejectionOf(api.instanceGroups.removeInstances({ project: P, zone: ZONE, instanceGroup: 'web-ig', instanceGroupsRemoveInstancesRequestResource: { instances: [{ instance: `zones/${ZONE}/instances/app-1` }] } }));
    expect(stranger.status).toBe(404);
    expect(errorBody(stranger).message).toBe(`The resource 'projects/${P}/zones/${ZONE}/instances/app-1' is not a member of instance group 'web-ig'`);
    expect(emulator.requestLog.map((e) => e.status)).toEqual([400, 404]);
  });

  it('holds wait until the operation is DONE', async () => {
    const { api } = await h.start({ seed: demoSeed(), operationDelayMs: 300 });
    const [lro] = await api.instanceGroups.removeInstances({ project: P, zone: ZONE, instanceGroup: 'web-ig', instanceGroupsRemoveInstancesRequestResource: { instances: [{ instance: `zones/${ZONE}/instances/web-3` }] } });
    const started = Date.now();
    const [op] = await api.zoneOperations.wait({ project: P, zone: ZONE, operation: (lro.latestResponse as { name: string }).name });
    expect(op.status).toBe('DONE');
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
  });

  it('tells managed groups apart and refuses to change their members directly', async () => {
    const { api } = await h.start({ seed: demoSeed() });
    const [mig] = await api.instanceGroupManagers.get({ project: P, zone: ZONE, instanceGroupManager: 'web-mig' });
    expect(mig).toMatchObject({ name: 'web-mig', instanceGroup: `https://www.googleapis.com/compute/v1/projects/${P}/zones/${ZONE}/instanceGroups/web-mig`, targetSize: 2 });
    expect((await rejectionOf(api.instanceGroupManagers.get({ project: P, zone: ZONE, instanceGroupManager: 'web-ig' }))).status).toBe(404);
    const error = await rejectionOf(api.instanceGroups.removeInstances({ project: P, zone: ZONE, instanceGroup: 'web-mig', instanceGroupsRemoveInstancesRequestResource: { instances: [{ instance: `zones/${ZONE}/instances/web-mig-x1z2` }] } }));
    expect(error.status).toBe(400);
    expect(errorBody(error).message).toMatch(/managed by the instance group manager 'web-mig'/);
  });

  it('answers unknown resources with 404 notFound naming them, as GaxiosError with a numeric status', async () => {
    const { api } = await h.start({ seed: demoSeed() });
    const cases = [
      [() => api.instanceGroups.get({ project: P, zone: ZONE, instanceGroup: 'nope' }), `projects/${P}/zones/${ZONE}/instanceGroups/nope`],
      [() => api.backendServices.get({ project: P, backendService: 'nope' }), `projects/${P}/global/backendServices/nope`],
      [() => api.networkEndpointGroups.get({ project: P, zone: ZONE, networkEndpointGroup: 'nope' }), `projects/${P}/zones/${ZONE}/networkEndpointGroups/nope`],
      [() => api.instanceGroups.get({ project: 'other-project', zone: ZONE, instanceGroup: 'web-ig' }), 'projects/other-project'],
      [() => api.instanceGroups.addInstances({ project: P, zone: ZONE, instanceGroup: 'web-ig', instanceGroupsAddInstancesRequestResource: { instances: [{ instance: `zones/${ZONE}/instances/ghost` }] } }), `projects/${P}/zones/${ZONE}/instances/ghost`],
    ] as const;
    for (const [call, resource] of cases) {
      const error = await rejectionOf(call());
      expect(error.constructor.name).toBe('GaxiosError');
      expect(error.status).toBe(404);
      expect(error.code).toBe(404);
      expect(errorBody(error)).toEqual({ code: 404, message: `The resource '${resource}' was not found`, errors: [{ message: `The resource '${resource}' was not found`, domain: 'global', reason: 'notFound' }] });
    }
  });
});

describe('networkEndpointGroups', () => {
  it('detaches and attaches endpoints and lists them with per-service health', async () => {
    const { api } = await h.start({ seed: demoSeed(), operationDelayMs: 50 });
    const list = async () =>
      (await api.networkEndpointGroups.listNetworkEndpoints({ project: P, zone: ZONE, networkEndpointGroup: 'web-neg', networkEndpointGroupsListEndpointsRequestResource: { healthStatus: 'SHOW' } }))[0].map((i) => [
        i.networkEndpoint!.instance,
        `${i.networkEndpoint!.ipAddress}:${i.networkEndpoint!.port}`,
        i.healths!.map((x) => `${x.healthState}@${x.backendService!.backendService!.split('/').pop()}`).join(','),
      ]);
    expect(await list()).toEqual([
      ['app-1', '10.128.0.21:8080', 'HEALTHY@neg-bs'],
      ['app-2', '10.128.0.22:8080', 'HEALTHY@neg-bs'],
      ['app-3', '10.128.0.23:8080', 'HEALTHY@neg-bs'],
    ]);
    const endpoint = { instance: 'app-2', ipAddress: '10.128.0.22', port: 8080 };
    const [detach] = await api.networkEndpointGroups.detachNetworkEndpoints({ project: P, zone: ZONE, networkEndpointGroup: 'web-neg', networkEndpointGroupsDetachEndpointsRequestResource: { networkEndpoints: [endpoint] } });
    expect(await waitZone(api, P, detach.latestResponse as never)).toMatchObject({ status: 'DONE', operationType: 'detachNetworkEndpoints' });
    expect((await list()).map((r) => r[0])).toEqual(['app-1', 'app-3']);
    const [attach] = await api.networkEndpointGroups.attachNetworkEndpoints({ project: P, zone: ZONE, networkEndpointGroup: 'web-neg', networkEndpointGroupsAttachEndpointsRequestResource: { networkEndpoints: [endpoint] } });
    await waitZone(api, P, attach.latestResponse as never);
    expect((await list()).map((r) => r[1])).toContain('10.128.0.22:8080');
    const [neg] = await api.networkEndpointGroups.get({ project: P, zone: ZONE, networkEndpointGroup: 'web-neg' });
    expect(neg).toMatchObject({ networkEndpointType: 'GCE_VM_IP_PORT', size: 3, defaultPort: 8080 });
  });

  it('with showDrainingEndpoints, lists a detached endpoint as DRAINING until the draining timeout passes', async () => {
    const clock = new FakeClock();
    const { api } = await h.start({ seed: demoSeed(), clock, operationDelayMs: 0, showDrainingEndpoints: true });
    await api.networkEndpointGroups.detachNetworkEndpoints({ project: P, zone: ZONE, networkEndpointGroup: 'web-neg', networkEndpointGroupsDetachEndpointsRequestResource: { networkEndpoints: [{ instance: 'app-1', ipAddress: '10.128.0.21', port: 8080 }] } });
    const states = async () => Object.fromEntries((await api.networkEndpointGroups.listNetworkEndpoints({ project: P, zone: ZONE, networkEndpointGroup: 'web-neg', networkEndpointGroupsListEndpointsRequestResource: { healthStatus: 'SHOW' } }))[0].map((i) => [i.networkEndpoint!.instance, i.healths![0]!.healthState]));
    expect(await states()).toEqual({ 'app-1': 'DRAINING', 'app-2': 'HEALTHY', 'app-3': 'HEALTHY' });
    clock.advance(5000);
    expect(await states()).toEqual({ 'app-2': 'HEALTHY', 'app-3': 'HEALTHY' });
  });

  it('requires an instance for GCE_VM_IP_PORT endpoints', async () => {
    const { api } = await h.start({ seed: demoSeed() });
    const error = await rejectionOf(api.networkEndpointGroups.attachNetworkEndpoints({ project: P, zone: ZONE, networkEndpointGroup: 'web-neg', networkEndpointGroupsAttachEndpointsRequestResource: { networkEndpoints: [{ ipAddress: '10.128.0.99', port: 8080 }] } }));
    expect(error.status).toBe(400);
  });
});

describe('pagination', () => {
  it('pages listInstances by maxResults and the SDK follows nextPageToken', async () => {
    const names = Array.from({ length: 7 }, (_, i) => `vm-${i}`);
    const seed: GcpSeed = { projects: { [P]: { zones: { [ZONE]: { instances: names.map((name) => ({ name })), instanceGroups: [{ name: 'big', instances: names }] } } } } };
    const { api, emulator } = await h.start({ seed });
    const raw = await fetch(`${emulator.url}/compute/v1/projects/${P}/zones/${ZONE}/instanceGroups/big/listInstances?maxResults=3`, { method: 'POST', body: '{}' });
    const page = (await raw.json()) as { items: unknown[]; nextPageToken?: string };
    expect(page.items).toHaveLength(3);
    expect(page.nextPageToken).toBeTruthy();
    const [all] = await api.instanceGroups.listInstances({ project: P, zone: ZONE, instanceGroup: 'big', maxResults: 3, instanceGroupsListInstancesRequestResource: {} });
    expect(all.map((i) => i.instance!.split('/').pop())).toEqual(names);
  });
});
