import { DescribeInstancesCommand, EC2Client, type Instance } from '@aws-sdk/client-ec2';
import type { CallContext } from '../../core/call.js';
import { DrainctlError } from '../../core/errors.js';
import { awsClientConfig } from '../aws/client-config.js';
import { addDebugLogging } from '../aws/debug.js';
import { call as awsCall } from '../aws/errors.js';
import { requireRegion } from '../aws/region.js';
import type { ProviderOptions } from '../options.js';

/** EC2's refusals of a caller without permission for the action (EC2 says UnauthorizedOperation; IAM-style APIs AccessDenied). */
const DENIED = new Set(['UnauthorizedOperation', 'AccessDenied', 'AccessDeniedException']);

/** Reads an instance's private addresses; `close()` releases the SDK client's sockets. */
export interface InstanceAddressSource {
  /** Every private IPv4 and IPv6 address of the instance, primary first, no duplicates; [] for an instance EC2 no longer knows. */
  read(instanceId: string, call: CallContext): Promise<string[]>;
  close(): void;
}

/**
 * EC2 DescribeInstances over the AWS SDK, with drainctl's shared AWS configuration, for matching
 * an instance in `ip` target groups.
 *
 * Not paced by the ELB pacer (src/providers/aws/pacer.ts), which createAwsClient would add: it
 * sorts calls by action name only, so DescribeInstances would spend the ELB "describe" and
 * account tokens that the drain's own ELB calls need, although AWS counts EC2 calls against
 * EC2's budgets. The hook makes one call per terminating instance and relies on the SDK's
 * throttling-aware retries.
 */
export async function createAddressReader(options: ProviderOptions): Promise<InstanceAddressSource> {
  const client = new EC2Client(await awsClientConfig(options));
  await requireRegion(client.config);
  if (options.debug) addDebugLogging(client.middlewareStack, 'ec2', options.debug);
  return {
    read: (instanceId, call) => readAddresses(client, instanceId, call),
    close: () => client.destroy(),
  };
}

async function readAddresses(client: EC2Client, instanceId: string, call: CallContext): Promise<string[]> {
  const { signal } = call;
  try {
    const output = await awsCall({ what: `describe EC2 instance ${instanceId}`, signal }, () =>
      client.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }), { abortSignal: signal }),
    );
    const instance = (output.Reservations ?? []).flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === instanceId);
    return instance ? addressesOf(instance) : [];
  } catch (error) {
    if (!(error instanceof DrainctlError)) throw error;
    const code = error.details.awsError;
    // An instance already gone (terminated and forgotten by EC2) has no addresses left to be
    // registered by: no `ip` target group can hold it, so there is nothing to match.
    if (code === 'InvalidInstanceID.NotFound') return [];
    if (typeof code === 'string' && DENIED.has(code)) throw missingPermission(instanceId, error);
    throw error;
  }
}

/** Every interface's private IPv4 addresses (primary first), then every IPv6 address, without repeats. */
export function addressesOf(instance: Instance): string[] {
  const addresses = new Set<string>();
  const add = (value: string | undefined): void => {
    if (value) addresses.add(value);
  };
  // The instance's own primary address first: that of its primary interface, which is what
  // an `ip` target group most often holds.
  add(instance.PrivateIpAddress);
  const nics = byDeviceIndex(instance);
  for (const nic of nics) {
    const privates = nic.PrivateIpAddresses ?? [];
    for (const p of privates) if (p.Primary) add(p.PrivateIpAddress);
    add(nic.PrivateIpAddress);
    for (const p of privates) add(p.PrivateIpAddress);
  }
  add(instance.Ipv6Address);
  for (const nic of nics) {
    const ipv6 = nic.Ipv6Addresses ?? [];
    for (const a of ipv6) if (a.IsPrimaryIpv6) add(a.Ipv6Address);
    for (const a of ipv6) add(a.Ipv6Address);
  }
  return [...addresses];
}

/** The instance's interfaces, the primary one (device 0) first; EC2 does not promise their order. */
function byDeviceIndex(instance: Instance): NonNullable<Instance['NetworkInterfaces']> {
  const index = (nic: NonNullable<Instance['NetworkInterfaces']>[number]): number => nic.Attachment?.DeviceIndex ?? Number.MAX_SAFE_INTEGER;
  return [...(instance.NetworkInterfaces ?? [])].sort((a, b) => index(a) - index(b));
}

function missingPermission(instanceId: string, cause: DrainctlError): DrainctlError {
  return new DrainctlError(
    'provider',
    `describe EC2 instance ${instanceId}: access denied: drainctl needs ec2:DescribeInstances to read the instance's private addresses, and cannot match it in ip target groups without it (${cause.message})`,
    {
      hint: 'grant ec2:DescribeInstances to the role drainctl runs as',
      cause,
      details: { ...cause.details },
    },
  );
}
