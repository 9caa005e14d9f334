/** Shared set-up for the GCP emulator tests: a fake clock, the real @google-cloud/compute clients, automatic cleanup. */
import {
  BackendServicesClient,
  GlobalOperationsClient,
  InstanceGroupManagersClient,
  InstanceGroupsClient,
  NetworkEndpointGroupsClient,
  RegionBackendServicesClient,
  ZoneOperationsClient,
} from '@google-cloud/compute';
import { PassThroughClient } from 'google-auth-library';
import { afterEach } from 'vitest';
import { startGcpEmulator, type GcpEmulator, type GcpEmulatorOptions } from '../../../src/emulators/gcp/index.js';

/** A clock that only moves when told to. */
export class FakeClock {
  constructor(public ms = Date.UTC(2026, 0, 1, 12, 0, 0)) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** The error the Compute client throws for a non-2xx answer (GaxiosError). */
export interface ClientError extends Error {
  status?: number;
  code?: number | string;
}

export async function rejectionOf(promise: Promise<unknown>): Promise<ClientError> {
  try {
    await promise;
  } catch (error) {
    return error as ClientError;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** Google's JSON error body, from the client error's message. */
export function errorBody(error: ClientError): { code: number; message: string; errors: { reason: string; domain: string; message: string }[] } {
  return (JSON.parse(error.message) as { error: ReturnType<typeof errorBody> }).error;
}

export const uuid = (n: number): string => `3f0e8f0a-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** The real clients, pointed at an emulator exactly as drainctl points them (host, port, protocol, no token). */
export function clientsFor(emulator: GcpEmulator) {
  const url = new URL(emulator.url);
  const opts = { apiEndpoint: url.hostname, port: Number(url.port), protocol: 'http', authClient: new PassThroughClient() };
  return {
    backendServices: new BackendServicesClient(opts),
    regionBackendServices: new RegionBackendServicesClient(opts),
    instanceGroups: new InstanceGroupsClient(opts),
    instanceGroupManagers: new InstanceGroupManagersClient(opts),
    networkEndpointGroups: new NetworkEndpointGroupsClient(opts),
    globalOperations: new GlobalOperationsClient(opts),
    zoneOperations: new ZoneOperationsClient(opts),
  };
}

export type Clients = ReturnType<typeof clientsFor>;

/** Starts emulators and clients that are stopped after each test. */
export function emulatorHarness() {
  const emulators: GcpEmulator[] = [];
  const clients: Clients[] = [];
  afterEach(async () => {
    for (const set of clients.splice(0)) await Promise.all(Object.values(set).map((c) => c.close()));
    await Promise.all(emulators.splice(0).map((e) => e.stop()));
  });
  return {
    async start(options: GcpEmulatorOptions = {}): Promise<{ emulator: GcpEmulator; api: Clients }> {
      const emulator = await startGcpEmulator(options);
      emulators.push(emulator);
      const api = clientsFor(emulator);
      clients.push(api);
      return { emulator, api };
    },
  };
}

/** Waits (bounded) until a zonal operation is DONE, as a client must. */
export async function waitZone(api: Clients, project: string, op: { name?: string | null; status?: unknown; zone?: string | null }): Promise<Record<string, unknown>> {
  let current = op as Record<string, unknown>;
  for (let i = 0; i < 50 && current.status !== 'DONE'; i++) [current] = (await api.zoneOperations.wait({ project, zone: String(op.zone).split('/').pop()!, operation: String(op.name) })) as unknown as [Record<string, unknown>];
  return current;
}

export async function waitGlobal(api: Clients, project: string, op: { name?: string | null; status?: unknown }): Promise<Record<string, unknown>> {
  let current = op as Record<string, unknown>;
  for (let i = 0; i < 50 && current.status !== 'DONE'; i++) [current] = (await api.globalOperations.wait({ project, operation: String(op.name) })) as unknown as [Record<string, unknown>];
  return current;
}
