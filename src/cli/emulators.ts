import type { ProviderOptions } from '../providers/options.js';

/** What the CLI needs from any built-in emulator. */
export interface RunningEmulator {
  readonly url: string;
  readonly requestLog: readonly unknown[];
  stop(): Promise<void>;
}

export interface EmulatorStart {
  readonly port: number;
  /** A seed file; undefined serves the demo seed. */
  readonly seedFile: string | undefined;
  readonly throttle: boolean;
}

/** The demo drain on one emulator: which target, how to point providers at it, what to say. */
export interface DemoScenario {
  readonly intro: (url: string) => string;
  readonly group: string;
  readonly target: string;
  readonly providerOptions: (url: string) => ProviderOptions;
  /** For a provider with no drain timeout of its own, how long the demo lets connections run. */
  readonly timeoutMs?: number;
}

export interface EmulatorKind {
  /** Reads the seed file (throwing a one-line message on bad input) and starts serving. */
  start(options: EmulatorStart): Promise<RunningEmulator>;
  readonly demo: DemoScenario;
}

/** Every built-in emulator, loaded only when `emulate` or `demo` runs. */
export const EMULATORS: Record<string, () => Promise<EmulatorKind>> = {
  aws: async () => {
    const aws = await import('../emulators/aws/index.js');
    return {
      start: async (o) => aws.startAwsEmulator({ port: o.port, seed: o.seedFile ? await aws.loadSeedFile(o.seedFile) : aws.demoSeed(), throttle: o.throttle ? 'aws' : 'off' }),
      demo: {
        intro: (url) => `Started the AWS ELB emulator at ${url}: target group "web" with 3 targets and a 5 s deregistration delay.`,
        group: 'elbv2:web',
        target: 'elbv2:web/i-0a1b2c3d4e5f60001',
        providerOptions: (url) => ({ endpointUrl: url, region: 'us-east-1', env: {} }),
      },
    };
  },
  gcp: async () => {
    const gcp = await import('../emulators/gcp/index.js');
    return {
      start: async (o) => gcp.startGcpEmulator({ port: o.port, seed: o.seedFile ? await gcp.loadSeedFile(o.seedFile) : gcp.demoSeed(), throttle: o.throttle ? 'gcp' : 'off' }),
      demo: {
        intro: (url) => `Started the Compute Engine emulator at ${url}: instance group "web-ig" with 3 instances behind backend service "web-bs", connection draining 5 s.`,
        group: 'gcp-ig:demo-project/us-central1-a/web-ig',
        target: 'gcp-ig:demo-project/us-central1-a/web-ig/web-1',
        providerOptions: (url) => ({ endpointUrl: url, project: 'demo-project', env: {} }),
      },
    };
  },
  azure: async () => {
    const azure = await import('../emulators/azure/index.js');
    const group = `azure-agw:${azure.DEMO_SUBSCRIPTION}/${azure.DEMO_RESOURCE_GROUP}/demo-agw/web-pool`;
    return {
      start: async (o) => azure.startAzureEmulator({ port: o.port, seed: o.seedFile ? await azure.loadSeedFile(o.seedFile) : azure.demoSeed(), throttle: o.throttle ? 'arm' : 'off' }),
      demo: {
        intro: (url) => `Started the Azure Resource Manager emulator at ${url}: Application Gateway "demo-agw", pool "web-pool" with 3 addresses, connection draining 5 s.`,
        group,
        target: `${group}/10.1.0.4`,
        providerOptions: (url) => ({ endpointUrl: url, subscription: azure.DEMO_SUBSCRIPTION, env: {} }),
      },
    };
  },
};
