/**
 * The keys of drainctl.yaml (docs/configuration.md), by where they may appear. Provider
 * options are not listed here: each provider declares its own in its descriptor.
 */

/** A setting shared by every provider, with the flag and environment variables that also set it. */
export interface CommonKey {
  readonly key: string;
  /** The command-line flag, when there is one. */
  readonly flag?: string;
  /** Environment variables that set it, first found wins. */
  readonly env: readonly string[];
  readonly description: string;
}

/** Keys of the top level only: they hold for the whole run, not per group. */
export const RUN_KEYS: readonly CommonKey[] = [
  { key: 'project', flag: '--project', env: ['GOOGLE_CLOUD_PROJECT', 'CLOUDSDK_CORE_PROJECT'], description: 'Google Cloud project for references that leave it out' },
  { key: 'subscription', flag: '--subscription', env: ['AZURE_SUBSCRIPTION_ID'], description: 'Azure subscription for references that leave it out' },
  { key: 'ledger', flag: '--ledger', env: ['DRAINCTL_LEDGER'], description: 'drain record database; a relative path is relative to the file' },
];

/** Keys of the top level that a provider section or a group section may set again for its own groups. */
export const SCOPED_KEYS: readonly CommonKey[] = [
  // awsClientConfig honours AWS_DEFAULT_REGION too, so one setting serves drainctl and the AWS CLI.
  { key: 'region', flag: '--region', env: ['AWS_REGION', 'AWS_DEFAULT_REGION'], description: 'cloud region (AWS)' },
  { key: 'profile', flag: '--profile', env: ['AWS_PROFILE'], description: 'AWS named profile' },
  { key: 'endpoint-url', flag: '--endpoint-url', env: ['DRAINCTL_ENDPOINT_URL'], description: 'send API calls to this endpoint (an emulator)' },
];

/** The wait bound of `drain` and `watch` for a provider's or a group's targets, when --timeout is not given. */
export const TIMEOUT_KEY = 'timeout';

/** The fewest targets a drain must leave in service, for a provider's or a group's targets (`--min-healthy`). */
export const MIN_HEALTHY_KEY = 'min-healthy';

/** Sections of the top level that are not settings. */
export const GROUPS_KEY = 'groups';
export const ALIASES_KEY = 'aliases';
/** The lifecycle hook's section (`drainctl hook aws-asg`, docs/hook.md). */
export const HOOK_KEY = 'hook';

/** The keys of the hook section, with what each takes. */
export const HOOK_KEYS: Readonly<Record<string, string>> = {
  targets: 'a list of target references with {id} (the instance ID) or {ip} (its private IP), drained besides the load balancers found',
  scan: 'true or false: scan every ELBv2 target group in the region for the instance (default true)',
  'scan-cache': 'how long the list of target groups is kept between actions (default 5m)',
  'app-status-url': "the app's status URL template, e.g. http://{ip}:9000/drain/status: drained means the app says nothing is in flight",
  'app-drain': "true or false: ask the app to drain (POST to its status URL) before waiting (default false)",
  'on-failure': 'continue or abandon: the result sent when a drain fails (default abandon)',
  concurrency: 'how many lifecycle actions one consumer handles at once (default 50)',
};

/** The status URL (or template) of the apps behind a provider's or a group's targets (`--app-status`). */
export const APP_STATUS_URL_KEY = 'app-status-url';

/** Keys kept for later versions: refused for now, so a file written for a later drainctl fails loudly rather than being half-read. */
export const RESERVED_KEYS: Readonly<Record<string, string>> = {};

/** An alias name: no `:` or `/`, so it can never be mistaken for a reference. */
export const ALIAS_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The file name looked for in the current directory and its parents, and in the user's config directory. */
export const CONFIG_FILE_NAME = 'drainctl.yaml';
