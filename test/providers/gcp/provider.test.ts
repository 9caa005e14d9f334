/** The GCP providers against the emulator: MIG refusal, timeouts, capacityScaler, batching, errors, credentials. */
import { BackendServicesClient } from '@google-cloud/compute';
import { PassThroughClient } from 'google-auth-library';
import { describe, expect, it } from 'vitest';
import { DrainctlError } from '../../../src/core/errors.js';
import { createMemoryLedger } from '../../../src/ledger/memory.js';
import { setDrainTimeout } from '../../../src/core/timeouts.js';
import { demoSeed, type GcpEmulator, type GcpSeed } from '../../../src/emulators/gcp/index.js';
import { GcpBackendServiceProvider } from '../../../src/providers/gcp/bs-provider.js';
import { ComputeApi } from '../../../src/providers/gcp/client.js';
import { GcpInstanceGroupProvider } from '../../../src/providers/gcp/ig-provider.js';
import { emulatorOptions, group, harness, rejectionOf, target } from './helpers.js';
import { testCall } from '../../support/call.js';

const P = 'demo-project';
const IG = `${P}/us-central1-a/web-ig`;
const h = harness();

/** Backend service "multi" in two scopes: the group is used by a global service (5 s) and a regional one (40 s). */
function twoServicesSeed(): GcpSeed {
  const seed = demoSeed();
  const project = seed.projects![P]!;
  return {
    projects: {
      [P]: {
        ...project,
        regions: {
          'us-central1': {
            backendServices: [
              ...(project.regions?.['us-central1']?.backendServices ?? []),
              { name: 'regional-bs', loadBalancingScheme: 'INTERNAL_MANAGED', drainingTimeoutSec: 40, backends: [{ group: 'zones/us-central1-a/instanceGroups/web-ig' }, { group: 'zones/us-central1-b/instanceGroups/web-ig-b' }] },
            ],
          },
        },
      },
    },
  };
}

const mutations = (emulator: GcpEmulator) => emulator.mutatingCalls().map((e) => e.action);

describe('gcp-ig', () => {
  it('describes members with health from the backend service that uses the group', async () => {
    const emulator = await h.start({ seed: demoSeed() });
    const provider = await h.provider('gcp-ig', emulator);
    const snapshot = await provider.describe(group('gcp-ig', IG), 'all', testCall());
    expect(snapshot.providerId).toBe(`projects/${IG.replace('/us-central1-a/', '/zones/us-central1-a/instanceGroups/')}`);
    expect(snapshot.targets.map((t) => [t.ref.target, t.state, t.health, t.raw.state, t.registration])).toEqual(
      ['web-1', 'web-2', 'web-3'].map((n) => [n, 'active', 'healthy', 'MEMBER', { instance: `https://www.googleapis.com/compute/v1/projects/${P}/zones/us-central1-a/instances/${n}` }]),
    );
    const named = await provider.describe(group('gcp-ig', IG), [target('gcp-ig', IG, 'web-2'), target('gcp-ig', IG, 'web-9')], testCall());
    expect(named.targets.map((t) => [t.ref.target, t.state])).toEqual([
      ['web-2', 'active'],
      ['web-9', 'absent'],
    ]);
  });

  it('refuses to describe, drain or restore named members of a managed instance group, naming the alternatives, before any change', async () => {
    const emulator = await h.start({ seed: demoSeed() });
    const provider = await h.provider('gcp-ig', emulator);
    const mig = group('gcp-ig', `${P}/us-central1-a/web-mig`);
    const [member] = (await provider.describe(mig, 'all', testCall())).targets;
    expect(member).toMatchObject({ state: 'active', health: 'healthy' });
    const calls = [() => provider.describe(mig, [member!.ref], testCall()), () => provider.drain(mig, [member!], testCall()), () => provider.restore(mig, [{ ref: member!.ref, registration: member!.registration }], testCall())];
    for (const call of calls) {
      const error = await rejectionOf(call());
      expect(error).toBeInstanceOf(DrainctlError);
      expect(error.kind).toBe('refused');
      expect(error.message).toContain('managed instance group web-mig');
      expect(error.hint).toContain('capacityScaler 0');
      expect(error.hint).toContain('gcloud compute instance-groups managed abandon-instances web-mig');
    }
    expect(mutations(emulator)).toEqual([]);
    expect((await provider.getTimeout(mig, testCall())).extra).toMatchObject({ managedInstanceGroup: 'web-mig' });
  });

  it('reads the largest draining timeout of every service that uses the group, global and regional, and lists them', async () => {
    const emulator = await h.start({ seed: twoServicesSeed() });
    const provider = await h.provider('gcp-ig', emulator);
    const timeout = await provider.getTimeout(group('gcp-ig', IG), testCall());
    expect(timeout).toEqual({ seconds: 40, enabled: true, extra: { backendServices: [`gcp-bs:${P}/global/web-bs=5s`, `gcp-bs:${P}/us-central1/regional-bs=40s`] } });
    expect(emulator.callCount({ action: 'backendServices.aggregatedList' })).toBe(1);
  });

  it('reports draining off (0, disabled) for a group no service uses, with health unknown', async () => {
    const seed: GcpSeed = { projects: { [P]: { zones: { 'us-central1-a': { instances: [{ name: 'lonely' }], instanceGroups: [{ name: 'solo', instances: ['lonely'] }] } } } } };
    const emulator = await h.start({ seed });
    const provider = await h.provider('gcp-ig', emulator);
    const solo = group('gcp-ig', `${P}/us-central1-a/solo`);
    expect(await provider.getTimeout(solo, testCall())).toEqual({ seconds: 0, enabled: false, extra: { backendServices: [], note: 'no backend service uses this group' } });
    expect((await provider.describe(solo, 'all', testCall())).targets[0]).toMatchObject({ state: 'active', health: 'unknown' });
  });

  it('will not set a timeout on a group: a usage error pointing at each gcp-bs service', async () => {
    const emulator = await h.start({ seed: twoServicesSeed() });
    const provider = await h.provider('gcp-ig', emulator);
    const error = await rejectionOf(provider.setTimeout(group('gcp-ig', IG), 30, testCall()));
    expect(error.kind).toBe('usage');
    expect(error.hint).toBe(`drainctl timeout set gcp-bs:${P}/global/web-bs <duration>; drainctl timeout set gcp-bs:${P}/us-central1/regional-bs <duration>`);
    expect(mutations(emulator)).toEqual([]);
  });

  it('removes ten instances of one group in ONE removeInstances call, waits for its operation, and adds them back in one call', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `vm-${String(i).padStart(2, '0')}`);
    const seed: GcpSeed = {
      projects: {
        [P]: {
          zones: { 'us-central1-a': { instances: names.map((name) => ({ name })), instanceGroups: [{ name: 'big', instances: names }] } },
          global: { backendServices: [{ name: 'big-bs', drainingTimeoutSec: 1, backends: [{ group: 'zones/us-central1-a/instanceGroups/big' }] }] },
        },
      },
    };
    const emulator = await h.start({ seed, operationDelayMs: 150 });
    const provider = await h.provider('gcp-ig', emulator);
    const big = group('gcp-ig', `${P}/us-central1-a/big`);
    const ten = (await provider.describe(big, 'all', testCall())).targets.slice(0, 10);
    emulator.clearLog();
    await provider.drain(big, ten, testCall());
    expect(mutations(emulator)).toEqual(['instanceGroups.removeInstances']);
    expect(emulator.callCount({ action: 'zoneOperations.wait' })).toBeGreaterThanOrEqual(1);
    expect((await provider.describe(big, 'all', testCall())).targets.map((t) => t.ref.target)).toEqual(['vm-10', 'vm-11']);
    emulator.clearLog();
    await provider.restore(big, ten.map((t) => ({ ref: t.ref, registration: t.registration })), testCall());
    expect(mutations(emulator)).toEqual(['instanceGroups.addInstances']);
    expect((await provider.describe(big, 'all', testCall())).targets).toHaveLength(12);
  });

  it('retries a mutation whose response was lost with the same requestId, so it is applied once', async () => {
    const emulator = await h.start({ seed: demoSeed(), operationDelayMs: 0 });
    const api = await ComputeApi.create(emulatorOptions(emulator));
    const provider = new GcpInstanceGroupProvider(api);
    const client = api.instanceGroups;
    const send = client.removeInstances.bind(client) as (...args: unknown[]) => Promise<unknown>;
    let calls = 0;
    (client as unknown as { removeInstances: (...args: unknown[]) => Promise<unknown> }).removeInstances = async (...args: unknown[]) => {
      const result = await send(...args);
      if (++calls === 1) throw Object.assign(new Error('request failed, reason: socket hang up'), { code: 'ECONNRESET' });
      return result;
    };
    try {
      const [web1] = (await provider.describe(group('gcp-ig', IG), [target('gcp-ig', IG, 'web-1')], testCall())).targets;
      await provider.drain(group('gcp-ig', IG), [web1!], testCall());
      const sent = emulator.mutatingCalls();
      expect(sent).toHaveLength(2);
      expect(sent[0]!.requestId).toBeTruthy();
      expect(sent[1]!.requestId).toBe(sent[0]!.requestId);
      expect((await provider.describe(group('gcp-ig', IG), [web1!.ref], testCall())).targets[0]!.state).toBe('absent');
    } finally {
      provider.close();
    }
  });
});

describe('gcp-bs', () => {
  const BS = `${P}/global/web-bs`;
  const A = 'ig:us-central1-a:web-ig';

  it('sets the draining timeout with the fingerprint and reads it back; out of range is refused before any call', async () => {
    const emulator = await h.start({ seed: demoSeed() });
    const provider = await h.provider('gcp-bs', emulator);
    const bs = group('gcp-bs', BS);
    expect(await provider.getTimeout(bs, testCall())).toEqual({ seconds: 5, enabled: true, extra: { loadBalancingScheme: 'EXTERNAL_MANAGED', protocol: 'HTTP' } });
    expect(await provider.setTimeout(bs, 120, testCall())).toMatchObject({ seconds: 120, enabled: true });
    expect(await provider.getTimeout(bs, testCall())).toMatchObject({ seconds: 120 });
    expect(await provider.setTimeout(bs, 0, testCall())).toMatchObject({ seconds: 0, enabled: false });
    emulator.clearLog();
    for (const seconds of [3601, -1, 1.5]) {
      const error = await rejectionOf(setDrainTimeout({ provider, group: bs, groupText: `gcp-bs:${BS}`, seconds, ledger: createMemoryLedger() }));
      expect(error.kind).toBe('usage');
      expect(error.message).toContain('allowed 0-3600 seconds');
    }
    expect(emulator.requestLog).toEqual([]);
  });

  it('drains a whole backend to capacityScaler 0 and restores the earlier value (0.5 -> 0 -> 0.5), resending the other fields', async () => {
    const seed = demoSeed();
    const web = seed.projects![P]!.global!.backendServices![0]!;
    (web.backends as unknown as { capacityScaler?: number }[])[0]!.capacityScaler = 0.5;
    const emulator = await h.start({ seed });
    const provider = await h.provider('gcp-bs', emulator);
    const bs = group('gcp-bs', BS);
    const [before] = (await provider.describe(bs, [target('gcp-bs', BS, A)], testCall())).targets;
    expect(before).toMatchObject({ state: 'active', health: 'healthy', raw: { state: 'capacityScaler 0.5', reason: 'UTILIZATION' } });
    expect(before!.registration).toEqual({ group: `https://www.googleapis.com/compute/v1/projects/${P}/zones/us-central1-a/instanceGroups/web-ig`, balancingMode: 'UTILIZATION', capacityScaler: 0.5, maxUtilization: 0.8 });

    await provider.drain(bs, [before!], testCall());
    const [during] = (await provider.describe(bs, [before!.ref], testCall())).targets;
    expect(during).toMatchObject({ state: 'drained', raw: { state: 'capacityScaler 0' } });
    expect(during!.registration).toBeUndefined();
    expect((await provider.describe(bs, 'all', testCall())).targets.map((t) => t.ref.target)).toEqual(['ig:us-central1-b:web-ig-b']);

    await provider.restore(bs, [{ ref: before!.ref, registration: before!.registration }], testCall());
    const api = new BackendServicesClient({ apiEndpoint: '127.0.0.1', port: emulator.port, protocol: 'http', authClient: new PassThroughClient() });
    try {
      const [svc] = await api.get({ project: P, backendService: 'web-bs' });
      expect(svc.backends!.map((b) => [b.capacityScaler, b.balancingMode, b.maxUtilization])).toEqual([
        [0.5, 'UTILIZATION', 0.8],
        [1, 'UTILIZATION', 0.8],
      ]);
    } finally {
      await api.close();
    }
    expect(mutations(emulator)).toEqual(['backendServices.patch', 'backendServices.patch']);
  });

  it('re-reads and retries on 412 and never overwrites a change made in between', async () => {
    const emulator = await h.start({ seed: demoSeed(), operationDelayMs: 0 });
    const api = await ComputeApi.create(emulatorOptions(emulator));
    const provider = new GcpBackendServiceProvider(api);
    const other = new BackendServicesClient({ apiEndpoint: '127.0.0.1', port: emulator.port, protocol: 'http', authClient: new PassThroughClient() });
    const client = api.backendServices;
    const get = client.get.bind(client) as (...args: unknown[]) => Promise<unknown>;
    let reads = 0;
    (client as unknown as { get: (...args: unknown[]) => Promise<unknown> }).get = async (...args: unknown[]) => {
      const result = await get(...args);
      // Someone else changes the service right after drainctl's second read (its first read is describe's).
      if (++reads === 2) {
        const [svc] = await other.get({ project: P, backendService: 'web-bs' });
        await other.patch({ project: P, backendService: 'web-bs', backendServiceResource: { backends: svc.backends!.map((b, i) => (i === 1 ? { ...b, capacityScaler: 0.7 } : b)), fingerprint: svc.fingerprint } });
      }
      return result;
    };
    try {
      const bs = group('gcp-bs', BS);
      const [a] = (await provider.describe(bs, [target('gcp-bs', BS, A)], testCall())).targets;
      await provider.drain(bs, [a!], testCall());
      expect(emulator.requestLog.filter((e) => e.action === 'backendServices.patch').map((e) => e.status)).toEqual([200, 412, 200]);
      const [svc] = await other.get({ project: P, backendService: 'web-bs' });
      expect(svc.backends!.map((b) => b.capacityScaler)).toEqual([0, 0.7]);
    } finally {
      provider.close();
      await other.close();
    }
  });

  it('refuses capacityScaler 0 on the only backend and on a passthrough (INTERNAL) service, before any change', async () => {
    const emulator = await h.start({ seed: demoSeed() });
    const provider = await h.provider('gcp-bs', emulator);
    const only = group('gcp-bs', `${P}/global/neg-bs`);
    const [neg] = (await provider.describe(only, 'all', testCall())).targets;
    const onlyError = await rejectionOf(provider.drain(only, [neg!], testCall()));
    expect(onlyError).toMatchObject({ kind: 'refused' });
    expect(onlyError.message).toBe(`neg:us-central1-a:web-neg is the only backend of gcp-bs:${P}/global/neg-bs: the API does not allow capacityScaler 0 on a service's only backend`);

    const ilb = group('gcp-bs', `${P}/us-central1/web-ilb`);
    const [b] = (await provider.describe(ilb, 'all', testCall())).targets;
    const internal = await rejectionOf(provider.drain(ilb, [b!], testCall()));
    expect(internal.kind).toBe('refused');
    expect(internal.message).toContain('passthrough Network Load Balancer backend service (loadBalancingScheme INTERNAL)');
    expect(internal.hint).toContain('drain its members instead');
    expect(mutations(emulator)).toEqual([]);
  });

  it('says not_found for a backend the service does not have, naming the ones it has', async () => {
    const emulator = await h.start({ seed: demoSeed() });
    const provider = await h.provider('gcp-bs', emulator);
    const bs = group('gcp-bs', BS);
    const error = await rejectionOf(provider.restore(bs, [{ ref: target('gcp-bs', BS, 'ig:us-central1-f:gone'), registration: undefined }], testCall()));
    expect(error.kind).toBe('not_found');
    expect(error.message).toBe(`backend service gcp-bs:${BS} has no backend ig:us-central1-f:gone (backends: ig:us-central1-a:web-ig, ig:us-central1-b:web-ig-b)`);
  });
});

describe('gcp-neg', () => {
  const NEG = `${P}/us-central1-a/web-neg`;

  it('detaches and re-attaches the very endpoint recorded, and reports DRAINING where the API lists it', async () => {
    const emulator = await h.start({ seed: demoSeed(), showDrainingEndpoints: true, operationDelayMs: 0 });
    const provider = await h.provider('gcp-neg', emulator);
    const neg = group('gcp-neg', NEG);
    const [endpoint] = (await provider.describe(neg, [target('gcp-neg', NEG, '10.128.0.22:8080')], testCall())).targets;
    expect(endpoint).toMatchObject({ state: 'active', health: 'healthy', registration: { instance: 'app-2', ipAddress: '10.128.0.22', port: 8080 } });
    await provider.drain(neg, [endpoint!], testCall());
    const [during] = (await provider.describe(neg, [endpoint!.ref], testCall())).targets;
    expect(during).toMatchObject({ state: 'draining', raw: { state: 'DRAINING' } });
    expect((await provider.describe(neg, 'all', testCall())).targets).toHaveLength(2);
    await provider.restore(neg, [{ ref: endpoint!.ref, registration: endpoint!.registration }], testCall());
    expect((await provider.describe(neg, [endpoint!.ref], testCall())).targets[0]).toMatchObject({ state: 'active', registration: endpoint!.registration });
    expect(mutations(emulator)).toEqual(['networkEndpointGroups.detachNetworkEndpoints', 'networkEndpointGroups.attachNetworkEndpoints']);
  });

  it('reads the timeout from the service that uses the NEG and points setTimeout at it', async () => {
    const emulator = await h.start({ seed: demoSeed() });
    const provider = await h.provider('gcp-neg', emulator);
    expect(await provider.getTimeout(group('gcp-neg', NEG), testCall())).toEqual({ seconds: 5, enabled: true, extra: { backendServices: [`gcp-bs:${P}/global/neg-bs=5s`], networkEndpointType: 'GCE_VM_IP_PORT' } });
    expect((await rejectionOf(provider.setTimeout(group('gcp-neg', NEG), 9, testCall()))).hint).toBe(`drainctl timeout set gcp-bs:${P}/global/neg-bs <duration>`);
  });
});

describe('errors and credentials', () => {
  it('maps 404 to not_found naming the resource, throttling and server faults to retryable errors, a failed operation to a provider error', async () => {
    const emulator = await h.start({ seed: demoSeed(), operationDelayMs: 0 });
    const provider = await h.provider('gcp-ig', emulator);
    const missing = await rejectionOf(provider.describe(group('gcp-ig', `${P}/us-central1-a/nope`), 'all', testCall()));
    expect(missing).toMatchObject({ kind: 'not_found', message: `instance group nope not found in project ${P}, zone us-central1-a` });

    const ig = group('gcp-ig', IG);
    const [web1] = (await provider.describe(ig, [target('gcp-ig', IG, 'web-1')], testCall())).targets;
    emulator.setFaults({ throttleRate: 1 });
    expect(await rejectionOf(provider.describe(ig, 'all', testCall()))).toMatchObject({ kind: 'provider', retryable: 'throttle' });
    emulator.setFaults({ serverErrorRate: 1 });
    expect(await rejectionOf(provider.describe(ig, 'all', testCall()))).toMatchObject({ kind: 'provider', retryable: 'transient' });
    emulator.setFaults({ resetRate: 1 });
    // A connection reset before any answer: the endpoint did not answer, named by origin only.
    expect(await rejectionOf(provider.getTimeout(ig, testCall()))).toMatchObject({ kind: 'provider', retryable: 'unreachable', details: { endpoint: `http://127.0.0.1:${emulator.port}` } });
    emulator.setFaults({});
    emulator.failNextOperation({ code: 'RESOURCE_NOT_READY', message: 'not ready' });
    const failed = await rejectionOf(provider.drain(ig, [web1!], testCall()));
    expect(failed.kind).toBe('provider');
    expect(failed.retryable).toBeUndefined();
    expect(failed.message).toMatch(/operation operation-\S+ failed \(RESOURCE_NOT_READY: not ready\)/);
    expect((await provider.describe(ig, [web1!.ref], testCall())).targets[0]!.state).toBe('active');
  });

  it('maps 429 and 403 rateLimitExceeded alike', async () => {
    for (const throttleStatus of [403, 429] as const) {
      const emulator = await h.start({ seed: demoSeed(), rateLimits: { read: 1 }, throttleStatus });
      const provider = await h.provider('gcp-bs', emulator);
      await provider.getTimeout(group('gcp-bs', `${P}/global/web-bs`), testCall());
      const error = await rejectionOf(provider.getTimeout(group('gcp-bs', `${P}/global/web-bs`), testCall()));
      expect(error).toMatchObject({ kind: 'provider', retryable: 'throttle' });
      expect(error.message).toContain(`HTTP ${throttleStatus} rateLimitExceeded`);
    }
  });

  it('stops with an interrupted error when the signal fires', async () => {
    const emulator = await h.start({ seed: demoSeed(), faults: { latencyMs: 300 } });
    const provider = await h.provider('gcp-ig', emulator);
    const controller = new AbortController();
    setTimeout(() => controller.abort('SIGINT'), 50);
    expect(await rejectionOf(provider.describe(group('gcp-ig', IG), 'all', testCall({ signal: controller.signal })))).toMatchObject({ kind: 'interrupted' });
  });

  it('never sends an Authorization header over http, whatever credentials the environment holds', async () => {
    const emulator = await h.start({ seed: demoSeed(), operationDelayMs: 0 });
    const env = { GOOGLE_APPLICATION_CREDENTIALS: '/nonexistent/key.json', GOOGLE_CLOUD_PROJECT: P };
    const ig = await h.provider('gcp-ig', emulator, { env });
    const bs = await h.provider('gcp-bs', emulator, { env });
    const [web1] = (await ig.describe(group('gcp-ig', IG), [target('gcp-ig', IG, 'web-1')], testCall())).targets;
    await ig.drain(group('gcp-ig', IG), [web1!], testCall());
    await ig.restore(group('gcp-ig', IG), [{ ref: web1!.ref, registration: web1!.registration }], testCall());
    await ig.getTimeout(group('gcp-ig', IG), testCall());
    await bs.setTimeout(group('gcp-bs', `${P}/global/web-bs`), 7, testCall());
    expect(emulator.requestLog.length).toBeGreaterThan(8);
    for (const entry of emulator.requestLog) expect(entry.headerNames).not.toContain('authorization');
  });

  it('logs API calls with --debug without headers or tokens', async () => {
    const emulator = await h.start({ seed: demoSeed() });
    const lines: string[] = [];
    const provider = await h.provider('gcp-bs', emulator, { debug: (line) => lines.push(line) });
    await provider.getTimeout(group('gcp-bs', `${P}/global/web-bs`), testCall());
    expect(lines[0]).toBe(`gcp backendServices.get projects/${P}/global/backendServices/web-bs -> ${emulator.url}`);
    expect(lines[1]).toMatch(/^gcp backendServices.get <- ok in \d+ms$/);
    expect(lines.join('\n')).not.toMatch(/authorization|bearer|token/i);
  });

  it('rejects an endpoint URL that is not http or https', async () => {
    const error = await rejectionOf(ComputeApi.create({ endpointUrl: 'ftp://127.0.0.1:1', env: {} }));
    expect(error).toMatchObject({ kind: 'usage' });
  });
});
