import { constants } from 'node:os';
import { DrainerOptionsError } from './errors.js';
import { DEFAULT_OPTIONS, type DrainerOptions, type ResolvedOptions } from './options.js';
import { canInspectRoutes, findRouteCollision } from './route-collisions.js';

/** setTimeout fires at once for anything above this, so a larger timeout would silently mean "now". */
const MAX_TIMER_MS = 2_147_483_647;
/** A remote drain stops the process serving; a guessable secret would make that a denial of service. */
const MIN_SECRET_LENGTH = 16;

/** Every option createDrainer knows; anything else is refused as a typo. */
export const KNOWN_OPTIONS: readonly (keyof DrainerOptions)[] = [
  'drainTimeout', 'shutdownDelay', 'healthPath', 'livenessPath', 'statusPath', 'probePort', 'probeHost', 'signals', 'exit',
  'sseRetryMs', 'webSocketCloseTimeout', 'hookTimeout', 'beforeShutdown', 'onShutdown', 'onDrain', 'onStateChange',
  'remoteDrain', 'recorder', 'app',
];

const fail = (option: string, message: string): never => {
  throw new DrainerOptionsError(option, message);
};

function milliseconds(option: keyof DrainerOptions, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > MAX_TIMER_MS) {
    fail(option, `${option} must be a number of milliseconds from ${min} to ${MAX_TIMER_MS} (got ${describe(value)})`);
  }
  return value as number;
}

function probePath(option: keyof DrainerOptions, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^\/[^\s?#]*$/.test(value)) {
    fail(option, `${option} must be an absolute path starting with "/", without spaces, "?" or "#" (got ${describe(value)}; e.g. "${fallback}")`);
  }
  return value as string;
}

function callback<T>(option: keyof DrainerOptions, value: unknown): T | null {
  if (value === undefined) return null;
  if (typeof value !== 'function') fail(option, `${option} must be a function (got ${describe(value)})`);
  return value as T;
}

/** The SSE `retry:` field only takes an integer. */
function retryField(value: unknown): number {
  const ms = milliseconds('sseRetryMs', value, DEFAULT_OPTIONS.sseRetryMs, 0);
  if (!Number.isInteger(ms)) fail('sseRetryMs', `sseRetryMs must be a whole number of milliseconds (got ${ms})`);
  return ms;
}

function signalList(value: unknown): readonly NodeJS.Signals[] {
  if (value === undefined) return DEFAULT_OPTIONS.signals || [];
  if (value === false) return [];
  if (!Array.isArray(value) || value.length === 0) fail('signals', `signals must be a non-empty list of signal names, or false to install none (got ${describe(value)})`);
  const list = value as unknown[];
  for (const name of list) {
    if (typeof name !== 'string' || !(name in constants.signals)) fail('signals', `signals: ${describe(name)} is not a signal name (e.g. "SIGTERM")`);
    if (name === 'SIGKILL' || name === 'SIGSTOP') fail('signals', `signals: ${name} cannot be caught by any process; use SIGTERM`);
  }
  if (new Set(list).size !== list.length) fail('signals', `signals lists a signal twice (${list.join(', ')})`);
  return Object.freeze([...list]) as readonly NodeJS.Signals[];
}

function remoteSecret(value: unknown): string | null {
  if (value === undefined || value === false) return null;
  const secret = (value as { secret?: unknown } | null)?.secret;
  if (typeof value !== 'object' || value === null) fail('remoteDrain', 'remoteDrain must be { secret: string } or false');
  // The secret itself never appears in a message.
  if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
    fail('remoteDrain', `remoteDrain.secret must be a string of at least ${MIN_SECRET_LENGTH} characters (e.g. from \`openssl rand -hex 32\`)`);
  }
  return secret as string;
}

function port(value: unknown): number | null {
  if (value === undefined) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65_535) {
    fail('probePort', `probePort must be an integer port from 0 to 65535 (got ${describe(value)})`);
  }
  return value as number;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}

function checkUnknown(options: object): void {
  for (const key of Object.keys(options)) {
    if (!(KNOWN_OPTIONS as readonly string[]).includes(key)) fail(key, `unknown option "${key}" (known: ${KNOWN_OPTIONS.join(', ')})`);
  }
}

function checkPaths(paths: Readonly<Record<'healthPath' | 'livenessPath' | 'statusPath', string>>, app: unknown, probesOnMain: boolean): void {
  const entries = Object.entries(paths);
  for (const [i, [name, path]] of entries.entries()) {
    const twin = entries.slice(i + 1).find(([, other]) => other === path);
    if (twin) fail(twin[0], `${name} and ${twin[0]} are both "${path}": each probe needs its own path`);
  }
  if (app === undefined) return;
  if (!canInspectRoutes(app)) fail('app', 'app must be an Express app or a Fastify instance (its routes are checked against the probe paths); leave it out for other frameworks');
  if (!probesOnMain) return;
  const collision = findRouteCollision(app, Object.values(paths));
  if (collision) {
    const name = entries.find(([, path]) => path === collision.path)?.[0] ?? 'healthPath';
    fail(name, `${name} "${collision.path}" collides with the ${collision.framework} route "${collision.route}": the drainer would answer it first; choose another ${name} or serve probes on probePort`);
  }
}

/** Validates createDrainer's options and fills in defaults. Throws one DrainerOptionsError naming the first bad input. */
export function resolveOptions(input: DrainerOptions | undefined): ResolvedOptions {
  if (input !== undefined && (typeof input !== 'object' || input === null)) fail('options', 'options must be an object');
  const options = input ?? {};
  checkUnknown(options);
  const drainTimeout = milliseconds('drainTimeout', options.drainTimeout, DEFAULT_OPTIONS.drainTimeout, 1);
  const shutdownDelay = milliseconds('shutdownDelay', options.shutdownDelay, DEFAULT_OPTIONS.shutdownDelay, 0);
  if (shutdownDelay > drainTimeout) {
    fail('shutdownDelay', `shutdownDelay (${shutdownDelay} ms) must not exceed drainTimeout (${drainTimeout} ms): the delay is part of the drain; raise drainTimeout or lower shutdownDelay`);
  }
  const paths = {
    healthPath: probePath('healthPath', options.healthPath, DEFAULT_OPTIONS.healthPath),
    livenessPath: probePath('livenessPath', options.livenessPath, DEFAULT_OPTIONS.livenessPath),
    statusPath: probePath('statusPath', options.statusPath, DEFAULT_OPTIONS.statusPath),
  };
  const probePort = port(options.probePort);
  if (options.probeHost !== undefined && (typeof options.probeHost !== 'string' || options.probeHost === '')) {
    fail('probeHost', `probeHost must be a host name or address (got ${describe(options.probeHost)})`);
  }
  if (options.probeHost !== undefined && probePort === null) fail('probeHost', 'probeHost only applies with probePort; set probePort too');
  checkPaths(paths, options.app, probePort === null);
  const signals = signalList(options.signals);
  if (options.exit !== undefined && typeof options.exit !== 'boolean') fail('exit', `exit must be true or false (got ${describe(options.exit)})`);
  if (options.exit === true && signals.length === 0) {
    fail('exit', 'exit: true needs signals: it only applies to a signal-started shutdown; without signals, await drainer.drain() and exit yourself');
  }
  const recorder = options.recorder;
  if (recorder !== undefined && typeof (recorder as { record?: unknown } | null)?.record !== 'function') {
    fail('recorder', 'recorder must be an object with a record(change) method');
  }
  return Object.freeze({
    drainTimeout,
    shutdownDelay,
    ...paths,
    probePort,
    probeHost: options.probeHost ?? DEFAULT_OPTIONS.probeHost,
    signals,
    exit: options.exit ?? signals.length > 0,
    sseRetryMs: retryField(options.sseRetryMs),
    webSocketCloseTimeout: milliseconds('webSocketCloseTimeout', options.webSocketCloseTimeout, DEFAULT_OPTIONS.webSocketCloseTimeout, 0),
    hookTimeout: milliseconds('hookTimeout', options.hookTimeout, DEFAULT_OPTIONS.hookTimeout, 1),
    beforeShutdown: callback<ResolvedOptions['beforeShutdown']>('beforeShutdown', options.beforeShutdown),
    onShutdown: callback<ResolvedOptions['onShutdown']>('onShutdown', options.onShutdown),
    onDrain: callback<ResolvedOptions['onDrain']>('onDrain', options.onDrain),
    onStateChange: callback<ResolvedOptions['onStateChange']>('onStateChange', options.onStateChange),
    remoteDrainSecret: remoteSecret(options.remoteDrain),
    recorder: recorder ?? null,
  });
}
