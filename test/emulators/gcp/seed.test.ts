import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoSeed, loadSeedFile, parseSeed } from '../../../src/emulators/gcp/index.js';

const project = (body: object) => ({ projects: { 'my-project': body } });
const zone = (body: object) => project({ zones: { 'us-central1-a': body } });

describe('parseSeed', () => {
  it('accepts the demo seed and an empty document', () => {
    expect(parseSeed(demoSeed()).projects?.['demo-project']?.zones?.['us-central1-a']?.instanceGroups?.[0]?.name).toBe('web-ig');
    expect(parseSeed({})).toEqual({ projects: {} });
  });

  it.each([
    [[], 'seed: the seed must be a JSON object'],
    [{ project: {} }, 'seed: project is not a known field (known: projects)'],
    [{ projects: { P1: {} } }, 'seed: projects.P1 must be a project ID'],
    [project({ zones: { 'us-central1': {} } }), 'seed: projects["my-project"].zones["us-central1"] must be a zone name such as us-central1-a'],
    [zone({ instances: [{ name: 'Web_1' }] }), 'seed: projects["my-project"].zones["us-central1-a"].instances[0].name must be a lowercase RFC 1035 name'],
    [zone({ instances: [{ name: 'a', ip: '10.0.0.300' }] }), '.instances[0].ip must be an IPv4 address'],
    [zone({ instances: [{ name: 'a' }, { name: 'a' }] }), '.instances[1] repeats the name "a" of'],
    [zone({ instanceGroups: [{ name: 'g', instances: ['ghost'] }] }), '.instanceGroups[0].instances[0] names "ghost", which is not in the instances of zone us-central1-a'],
    [zone({ instances: [{ name: 'a' }], instanceGroups: [{ name: 'g' }], managedInstanceGroups: [{ name: 'g' }] }), 'repeats the instance group name "g"'],
    [zone({ networkEndpointGroups: [{ name: 'n', endpoints: [{ ipAddress: '10.0.0.1', port: 80 }] }] }), '.networkEndpointGroups[0].endpoints[0].instance is required for a GCE_VM_IP_PORT group'],
    [zone({ instances: [{ name: 'a' }], networkEndpointGroups: [{ name: 'n', endpoints: [{ instance: 'a' }] }] }), '.endpoints[0].port is required when'],
    [zone({ instances: [{ name: 'a', status: 'BROKEN' }] }), '.instances[0].status must be one of RUNNING, STAGING'],
    [project({ global: { backendServices: [{ name: 'bs', backends: [{ group: 'zones/us-central1-a/instanceGroups/nope' }] }] } }), 'seed: projects["my-project"].global.backendServices[0].backends[0].group names zones/us-central1-a/instanceGroups/nope, which is not in project my-project\'s zones'],
    [project({ global: { backendServices: [{ name: 'bs', drainingTimeoutSec: 3601 }] } }), '.global.backendServices[0].drainingTimeoutSec must be an integer 0-3600'],
    [project({ regions: { 'us-central1-a': {} } }), '.regions["us-central1-a"] must be a region name such as us-central1'],
  ])('rejects %j with a one-line message naming the path', (seed, message) => {
    let error: Error | undefined;
    try {
      parseSeed(seed);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toContain(message);
    expect(error?.message).not.toContain('\n');
  });

  it('checks backends: capacityScaler range, passthrough rules, the only backend, RATE targets, mixing kinds', () => {
    const base = { instances: [{ name: 'a' }, { name: 'b' }], instanceGroups: [{ name: 'g1', instances: ['a'] }, { name: 'g2', instances: ['b'] }], networkEndpointGroups: [{ name: 'n', defaultPort: 80, endpoints: [{ instance: 'a' }] }] };
    const bs = (service: object) => ({ projects: { 'my-project': { zones: { 'us-central1-a': base }, global: { backendServices: [{ name: 'bs', ...service }] } } } });
    const g1 = 'zones/us-central1-a/instanceGroups/g1';
    const g2 = 'zones/us-central1-a/instanceGroups/g2';
    expect(() => parseSeed(bs({ backends: [{ group: g1, capacityScaler: 0.05 }, { group: g2 }] }))).toThrow(/backends\[0\].capacityScaler must be 0 or 0.1-1/);
    expect(() => parseSeed(bs({ loadBalancingScheme: 'INTERNAL', backends: [{ group: g1, capacityScaler: 1 }] }))).toThrow(/must not be set on a INTERNAL \(passthrough\) backend service/);
    expect(() => parseSeed(bs({ loadBalancingScheme: 'EXTERNAL', backends: [{ group: g1, balancingMode: 'RATE', maxRate: 5 }] }))).toThrow(/must be CONNECTION/);
    expect(() => parseSeed(bs({ backends: [{ group: g1, capacityScaler: 0 }] }))).toThrow(/cannot be 0 on the only backend/);
    expect(() => parseSeed(bs({ backends: [{ group: g1, balancingMode: 'RATE' }] }))).toThrow(/needs maxRate, maxRatePerInstance or maxRatePerEndpoint/);
    expect(() => parseSeed(bs({ backends: [{ group: g1 }, { group: 'zones/us-central1-a/networkEndpointGroups/n' }] }))).toThrow(/mixes instance groups and network endpoint groups/);
    expect(() => parseSeed(bs({ backends: [{ group: g1 }, { group: `https://www.googleapis.com/compute/v1/projects/my-project/${g1}` }] }))).toThrow(/repeats the group/);
    expect(parseSeed(bs({ backends: [{ group: g1, capacityScaler: 0 }, { group: g2, capacityScaler: 0.5 }] })).projects?.['my-project']?.global?.backendServices?.[0]?.backends?.[0]?.group).toBe(g1);
  });
});

describe('loadSeedFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drainctl-gcp-seed-'));

  it('reads a file and names it in errors', async () => {
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify(demoSeed()));
    expect(Object.keys((await loadSeedFile(good)).projects ?? {})).toEqual(['demo-project']);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"projects": {"demo-project": {"zones": {"us-central1-a": {"instances": [{"nme": "x"}]}}}}}');
    await expect(loadSeedFile(bad)).rejects.toThrow(`${bad}: projects["demo-project"].zones["us-central1-a"].instances[0].nme is not a known field (known: name, ip, status, health)`);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{');
    await expect(loadSeedFile(broken)).rejects.toThrow(`${broken}: not valid JSON`);
    await expect(loadSeedFile(join(dir, 'missing.json'))).rejects.toThrow(/cannot read the seed file \(ENOENT\)/);
  });
});
