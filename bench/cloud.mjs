// Benchmarks 4 and 5: one `drainctl drain` invocation draining 100 targets on the built-in Google
// Cloud (Compute Engine) and Azure (ARM) emulators, each at its default latency and throttling.
// There is no third-party peer for these emulators; the figures are set against the goals and
// against what one call per target would cost.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startAzureEmulator } from '../dist/emulators/azure/index.js';
import { startGcpEmulator } from '../dist/emulators/gcp/index.js';
import { DRAINCTL_BIN, parseJson } from './lib/common.mjs';
import { runProcess, toolEnv } from './lib/proc.mjs';

/** Drain timeout of every group in both benchmarks, seconds. */
export const CLOUD_DRAIN_S = 10;
/** What the goals allow on top of the drain timeout, ms. */
export const CLOUD_MARGIN_MS = 5000;
const RUN_TIMEOUT_MS = 180_000;

// ---------------------------------------------------------------------------------------------
// Google Cloud: 100 VMs in 10 unmanaged instance groups behind one global backend service.

export const GCP_PROJECT = 'drainctl-bench';
export const GCP_GROUPS = 10;
export const GCP_PER_GROUP = 10;
const GCP_ZONES = ['us-central1-a', 'us-central1-b', 'us-central1-c'];
const GCP_SERVICE = 'bench-bs';

const gcpZone = (g) => GCP_ZONES[g % GCP_ZONES.length];
const gcpGroup = (g) => `bench-ig-${String(g + 1).padStart(2, '0')}`;
const gcpVm = (g, i) => `bench-vm-${String(g + 1).padStart(2, '0')}-${String(i + 1).padStart(2, '0')}`;

/**
 * Project drainctl-bench: 10 unmanaged instance groups (bench-ig-01…10, spread over three zones of
 * us-central1), each with 10 RUNNING VMs, all ten groups backends of the global backend service
 * bench-bs (EXTERNAL_MANAGED, HTTP, UTILIZATION, connectionDraining.drainingTimeoutSec 10).
 */
export function gcpSeed() {
  const zones = {};
  for (let g = 0; g < GCP_GROUPS; g++) {
    const zone = (zones[gcpZone(g)] ??= { instances: [], instanceGroups: [] });
    const names = Array.from({ length: GCP_PER_GROUP }, (_, i) => gcpVm(g, i));
    zone.instances.push(...names.map((name, i) => ({ name, ip: `10.128.${g + 1}.${i + 10}` })));
    zone.instanceGroups.push({ name: gcpGroup(g), namedPorts: [{ name: 'http', port: 8080 }], instances: names });
  }
  return {
    projects: {
      [GCP_PROJECT]: {
        zones,
        global: {
          backendServices: [
            {
              name: GCP_SERVICE,
              loadBalancingScheme: 'EXTERNAL_MANAGED',
              protocol: 'HTTP',
              drainingTimeoutSec: CLOUD_DRAIN_S,
              backends: Array.from({ length: GCP_GROUPS }, (_, g) => ({ group: `zones/${gcpZone(g)}/instanceGroups/${gcpGroup(g)}`, balancingMode: 'UTILIZATION', maxUtilization: 0.8, capacityScaler: 1 })),
            },
          ],
        },
      },
    },
  };
}

function gcpRefs() {
  const refs = [];
  for (let g = 0; g < GCP_GROUPS; g++) for (let i = 0; i < GCP_PER_GROUP; i++) refs.push(`gcp-ig:${GCP_PROJECT}/${gcpZone(g)}/${gcpGroup(g)}/${gcpVm(g, i)}`);
  return refs;
}

// ---------------------------------------------------------------------------------------------
// Azure: 100 addresses in 10 backend pools on 5 Application Gateways.

export const AZURE_SUBSCRIPTION = '00000000-0000-0000-0000-0000000000b1';
export const AZURE_RESOURCE_GROUP = 'bench-rg';
export const AZURE_GATEWAYS = 5;
export const AZURE_POOLS_PER_GATEWAY = 2;
export const AZURE_PER_POOL = 10;

const agwName = (g) => `bench-agw-${g + 1}`;
const poolName = (p) => `pool-${String.fromCharCode(97 + p)}`;
const agwAddress = (g, p, i) => `10.${g + 1}.${p + 1}.${i + 4}`;

/**
 * One Standard_v2 gateway: per pool (pool-a, pool-b) its own backend settings (http-a, http-b,
 * connectionDraining enabled, 10 s), listener (ports 80, 8080) and basic request routing rule, so
 * each pool's drain timeout is its own settings' 10 s.
 */
function agwResource(g) {
  const rg = `/subscriptions/${AZURE_SUBSCRIPTION}/resourceGroups/${AZURE_RESOURCE_GROUP}/providers/Microsoft.Network`;
  const id = `${rg}/applicationGateways/${agwName(g)}`;
  const ref = (kind, name) => ({ id: `${id}/${kind}/${name}` });
  const pools = Array.from({ length: AZURE_POOLS_PER_GATEWAY }, (_, p) => p);
  const suffix = (p) => String.fromCharCode(97 + p);
  return {
    id,
    name: agwName(g),
    type: 'Microsoft.Network/applicationGateways',
    location: 'westus',
    properties: {
      provisioningState: 'Succeeded',
      operationalState: 'Running',
      sku: { name: 'Standard_v2', tier: 'Standard_v2', capacity: 2 },
      gatewayIPConfigurations: [{ name: 'gwipc', id: `${id}/gatewayIPConfigurations/gwipc`, properties: { subnet: { id: `${rg}/virtualNetworks/bench-vnet/subnets/agw-subnet` } } }],
      frontendIPConfigurations: [{ name: 'fip', id: `${id}/frontendIPConfigurations/fip`, properties: { publicIPAddress: { id: `${rg}/publicIPAddresses/${agwName(g)}-pip` } } }],
      frontendPorts: pools.map((p) => ({ name: `port-${suffix(p)}`, id: `${id}/frontendPorts/port-${suffix(p)}`, properties: { port: p === 0 ? 80 : 8080 } })),
      backendAddressPools: pools.map((p) => ({
        name: poolName(p),
        id: `${id}/backendAddressPools/${poolName(p)}`,
        properties: { backendAddresses: Array.from({ length: AZURE_PER_POOL }, (_, i) => ({ ipAddress: agwAddress(g, p, i) })) },
      })),
      backendHttpSettingsCollection: pools.map((p) => ({
        name: `http-${suffix(p)}`,
        id: `${id}/backendHttpSettingsCollection/http-${suffix(p)}`,
        properties: { port: 80, protocol: 'Http', cookieBasedAffinity: 'Disabled', requestTimeout: 30, connectionDraining: { enabled: true, drainTimeoutInSec: CLOUD_DRAIN_S } },
      })),
      httpListeners: pools.map((p) => ({
        name: `listener-${suffix(p)}`,
        id: `${id}/httpListeners/listener-${suffix(p)}`,
        properties: { frontendIPConfiguration: ref('frontendIPConfigurations', 'fip'), frontendPort: ref('frontendPorts', `port-${suffix(p)}`), protocol: 'Http' },
      })),
      requestRoutingRules: pools.map((p) => ({
        name: `rule-${suffix(p)}`,
        id: `${id}/requestRoutingRules/rule-${suffix(p)}`,
        properties: {
          ruleType: 'Basic',
          priority: 100 + p * 10,
          httpListener: ref('httpListeners', `listener-${suffix(p)}`),
          backendAddressPool: ref('backendAddressPools', poolName(p)),
          backendHttpSettings: ref('backendHttpSettingsCollection', `http-${suffix(p)}`),
        },
      })),
    },
  };
}

/** Subscription …0b1, resource group bench-rg: gateways bench-agw-1…5, each as agwResource describes. */
export function azureSeed() {
  return { location: 'westus', applicationGateways: Array.from({ length: AZURE_GATEWAYS }, (_, g) => ({ resource: agwResource(g) })) };
}

function azureRefs() {
  const refs = [];
  for (let g = 0; g < AZURE_GATEWAYS; g++) {
    for (let p = 0; p < AZURE_POOLS_PER_GATEWAY; p++) {
      for (let i = 0; i < AZURE_PER_POOL; i++) refs.push(`azure-agw:${AZURE_SUBSCRIPTION}/${AZURE_RESOURCE_GROUP}/${agwName(g)}/${poolName(p)}/${agwAddress(g, p, i)}`);
    }
  }
  return refs;
}

// ---------------------------------------------------------------------------------------------
// Shared: run one drain, read the emulator's log.

/** Calls by action, with how many were answered 2xx, throttled (403/429 rate limit) or otherwise refused. */
function tallyByAction(entries, isThrottle) {
  const byAction = {};
  let throttled = 0;
  let errors = 0;
  for (const e of entries) {
    const row = (byAction[e.action] ??= { calls: 0, ok: 0, throttled: 0, errors: 0 });
    row.calls += 1;
    if (e.status >= 200 && e.status < 300) row.ok += 1;
    else if (isThrottle(e)) {
      row.throttled += 1;
      throttled += 1;
    } else {
      row.errors += 1;
      errors += 1;
    }
  }
  return { total: entries.length, throttled, errors, byAction };
}

async function runDrain({ url, ledger, globals, refs }) {
  const args = [DRAINCTL_BIN, '--endpoint-url', url, '--ledger', ledger, ...globals, '-o', 'json', 'drain', '--force', ...refs];
  const r = await runProcess('node', args, { env: toolEnv(), timeoutMs: RUN_TIMEOUT_MS });
  const doc = parseJson(r.stdout);
  const outcomes = {};
  for (const res of doc?.results ?? []) outcomes[res.outcome] = (outcomes[res.outcome] ?? 0) + 1;
  return {
    wallMs: r.wallMs,
    exitCode: r.code,
    timedOut: r.timedOut,
    startedAt: r.startedAt,
    exitedAt: r.exitedAt,
    outcomes,
    drained: outcomes.drained ?? 0,
    failed: refs.length - (outcomes.drained ?? 0),
    error: doc?.kind === 'error' ? doc.error?.message : undefined,
    stderr: r.stderr.trim().slice(0, 600),
  };
}

/** One `drainctl drain --force <100 gcp-ig refs>` on a fresh GCP emulator with default options. */
export async function runGcpBench({ tmpDir, log }) {
  const emulator = await startGcpEmulator({ seed: gcpSeed() });
  try {
    const refs = gcpRefs();
    const run = await runDrain({ url: emulator.url, ledger: join(tmpDir, 'gcp.db'), globals: ['--project', GCP_PROJECT], refs });
    const entries = [...emulator.requestLog];
    const calls = tallyByAction(entries, (e) => e.reason === 'rateLimitExceeded');
    const removals = entries.filter((e) => e.action === 'instanceGroups.removeInstances');
    const okRemovals = removals.filter((e) => e.status === 200);
    const perGroup = {};
    for (const e of okRemovals) {
      const group = /instanceGroups\/([^/]+)\/removeInstances$/.exec(e.path)?.[1] ?? '?';
      perGroup[group] = (perGroup[group] ?? 0) + 1;
    }
    const lastRemovalAt = okRemovals.length ? Math.max(...okRemovals.map((e) => e.at)) : undefined;
    // The emulator applies a removal on arrival; the draining timeout runs from there.
    const result = {
      targets: refs.length,
      groups: GCP_GROUPS,
      ...run,
      calls,
      removeCalls: okRemovals.length,
      removeCallsAttempted: removals.length,
      removeCallsPerGroup: perGroup,
      groupsWithOneRemoval: Object.values(perGroup).filter((n) => n === 1).length,
      firstCallAfterMs: entries.length ? entries[0].at - run.startedAt : undefined,
      lastRemovalAfterMs: lastRemovalAt === undefined ? undefined : lastRemovalAt - run.startedAt,
      exitAfterLastDrainEndMs: lastRemovalAt === undefined ? undefined : run.exitedAt - (lastRemovalAt + CLOUD_DRAIN_S * 1000),
    };
    log(`  gcp: ${(run.wallMs / 1000).toFixed(2)} s, exit ${run.exitCode}, outcomes ${JSON.stringify(run.outcomes)}, ${calls.total} calls (${okRemovals.length} removeInstances, ${calls.throttled} throttled)`);
    return result;
  } finally {
    await emulator.stop();
  }
}

/** One `drainctl drain --force <100 azure-agw refs>` on a fresh Azure emulator with default options. */
export async function runAzureBench({ tmpDir, log }) {
  const emulator = await startAzureEmulator({ seed: azureSeed() });
  try {
    const refs = azureRefs();
    const run = await runDrain({ url: emulator.url, ledger: join(tmpDir, 'azure.db'), globals: ['--subscription', AZURE_SUBSCRIPTION], refs });
    const entries = [...emulator.requestLog];
    const calls = tallyByAction(entries, (e) => e.status === 429);
    const puts = entries.filter((e) => e.action === 'applicationGateways.createOrUpdate');
    const okPuts = puts.filter((e) => e.status >= 200 && e.status < 300);
    const perGateway = {};
    for (const e of okPuts) {
      const gw = /applicationGateways\/([^/]+)$/.exec(e.path)?.[1] ?? '?';
      perGateway[gw] = (perGateway[gw] ?? 0) + 1;
    }
    const lastPutAt = okPuts.length ? Math.max(...okPuts.map((e) => e.at)) : undefined;
    const result = {
      targets: refs.length,
      gateways: AZURE_GATEWAYS,
      pools: AZURE_GATEWAYS * AZURE_POOLS_PER_GATEWAY,
      ...run,
      calls,
      putCalls: okPuts.length,
      putCallsAttempted: puts.length,
      putCallsPerGateway: perGateway,
      gatewaysWithOnePut: Object.values(perGateway).filter((n) => n === 1).length,
      firstCallAfterMs: entries.length ? entries[0].at - run.startedAt : undefined,
      lastPutAfterMs: lastPutAt === undefined ? undefined : lastPutAt - run.startedAt,
      // The drain runs from the PUT's operation end (emulator operationDelayMs 200) plus the timeout.
      exitAfterLastDrainEndMs: lastPutAt === undefined ? undefined : run.exitedAt - (lastPutAt + 200 + CLOUD_DRAIN_S * 1000),
    };
    log(`  azure: ${(run.wallMs / 1000).toFixed(2)} s, exit ${run.exitCode}, outcomes ${JSON.stringify(run.outcomes)}, ${calls.total} calls (${okPuts.length} gateway PUTs, ${calls.throttled} throttled)`);
    return result;
  } finally {
    await emulator.stop();
  }
}

// Standalone: node bench/cloud.mjs [gcp|azure] (after npm run build); prints the raw results.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const tmpDir = mkdtempSync(join(tmpdir(), 'drainctl-bench-cloud-'));
  const which = process.argv[2];
  const log = (line) => process.stdout.write(`${line}\n`);
  try {
    if (which !== 'azure') log(JSON.stringify(await runGcpBench({ tmpDir, log }), null, 2));
    if (which !== 'gcp') log(JSON.stringify(await runAzureBench({ tmpDir, log }), null, 2));
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
}
