import { beforeEach, describe, expect, it } from 'vitest';
import type { AppIdleRequest } from '../../src/core/app-idle-plan.js';
import { type AppStatus, AppStatusError } from '../../src/core/app-idle.js';
import { appStatusUrl, checkAppStatusTemplate, displayUrl } from '../../src/core/app-status-url.js';
import { drainTargets } from '../../src/core/drain.js';
import { watchTargets } from '../../src/core/watch.js';
import type { DrainEvent } from '../../src/core/events.js';
import type { Ledger } from '../../src/core/ledger.js';
import { parseRef, type TargetRef } from '../../src/core/refs.js';
import type { TargetStatus } from '../../src/core/state.js';
import { createMemoryLedger } from '../../src/ledger/index.js';
import { refSyntaxes } from '../../src/providers/registry.js';
import { FakeClock } from '../support/fake-clock.js';
import { FakeProvider } from '../support/fake-provider.js';

const ref = (text: string) => parseRef(text, refSyntaxes, 'target') as TargetRef;
const A = 'i-0000000000000000a';
const URL_A = 'http://127.0.0.1:9000/drain/status';

/**
 * The app as drainctl's reader sees it, on the fake clock: `busyUntil` is when its last request
 * ends (Infinity: never); `down` makes every read fail as a connection refused would.
 */
class FakeApp {
  busyUntil = 0;
  down = false;
  /** Reads from the nth on never answer (until aborted). */
  hangFrom = Infinity;
  reads = 0;
  constructor(private readonly clock: FakeClock) {}
  readonly read = async (_url: string, signal: AbortSignal): Promise<AppStatus> => {
    this.reads += 1;
    if (this.reads >= this.hangFrom) {
      return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new AppStatusError('unreachable', 'no answer in time')), { once: true }));
    }
    if (this.down) throw new AppStatusError('unreachable', 'ECONNREFUSED');
    const now = this.clock.now();
    const busy = now < this.busyUntil;
    return { state: 'serving', requests: busy ? 1 : 0, persistent: 0, idleForMs: busy ? undefined : now - this.busyUntil };
  };
}

describe('drain --until app-idle', () => {
  let clock: FakeClock;
  let provider: FakeProvider;
  let ledger: Ledger;
  let app: FakeApp;
  let events: DrainEvent[];
  const appIdle = (extra: Partial<AppIdleRequest> = {}): AppIdleRequest => ({ statusUrl: () => URL_A, read: app.read, quietMs: 500, propagationMs: 5_000, ...extra });
  const drain = (request: AppIdleRequest) =>
    drainTargets({ providers: async () => provider, ledger, clock, onEvent: (e) => events.push(e), random: () => 0.5, targets: [ref(`elbv2:web/${A}`)], force: true, appIdle: request });

  beforeEach(() => {
    clock = new FakeClock();
    provider = new FakeProvider(clock);
    // A 300 s deregistration delay: the load balancer reports draining for all of it.
    provider.addGroup('web', 300, { [A]: 8080 });
    ledger = createMemoryLedger();
    app = new FakeApp(clock);
    events = [];
  });

  it('ends once the app has had nothing in flight for the quiet period and the propagation time has passed, long before the delay', async () => {
    app.busyUntil = clock.now() + 20_000;
    const started = clock.now();
    const report = await drain(appIdle());
    expect(report.results[0]).toMatchObject({ outcome: 'drained', evidence: 'app-idle' });
    const took = clock.now() - started;
    // The last request ended at +20 s; quiet 500 ms; reads every 250 ms.
    expect(took).toBeGreaterThanOrEqual(20_500);
    expect(took).toBeLessThan(22_000);
    const done = events.find((e) => e.type === 'target_done');
    expect(done).toMatchObject({ outcome: 'drained', evidence: { kind: 'app-idle', detail: expect.stringContaining(`the app reported nothing in flight for`) } });
    const drained = (await ledger.history()).find((e) => e.type === 'drained');
    expect(drained?.details).toMatchObject({ evidence: 'app-idle' });
  });

  it('never ends before the propagation time, however idle the app is', async () => {
    const started = clock.now();
    await drain(appIdle({ propagationMs: 15_000 }));
    expect(clock.now() - started).toBeGreaterThanOrEqual(15_000);
    expect(clock.now() - started).toBeLessThan(16_500);
  });

  it('with a request still running, keeps waiting, and the load balancer ends it', async () => {
    app.busyUntil = Infinity;
    const started = clock.now();
    const report = await drain(appIdle());
    expect(report.results[0]?.outcome).toBe('drained');
    expect(report.results[0]?.evidence).toBeUndefined();
    expect(clock.now() - started).toBeGreaterThanOrEqual(300_000);
    expect((await ledger.history()).find((e) => e.type === 'drained')?.details).toMatchObject({ evidence: 'load-balancer' });
  });

  it('an app that stops answering is no evidence: says so once and waits for the load balancer', async () => {
    app.busyUntil = clock.now() + 10_000;
    const drained = drain(appIdle());
    await clock.sleep(2_000);
    app.down = true;
    const report = await drained;
    expect(report.results[0]?.evidence).toBeUndefined();
    const warnings = events.filter((e) => e.type === 'warning' && e.message.includes("cannot read the app's status"));
    expect(warnings).toHaveLength(1);
    expect(app.reads).toBeGreaterThan(100);
  });

  it('an answer that has gone stale is no evidence: an app that hangs after saying idle does not end the drain', async () => {
    app.hangFrom = 3; // the first read before the change and one more, both idle; then no answer
    const report = await drain(appIdle());
    expect(report.results[0]?.evidence).toBeUndefined();
  });

  it('an app that answers again counts again', async () => {
    app.down = true;
    const drained = drain(appIdle());
    await clock.sleep(30_000);
    app.down = false;
    const report = await drained;
    expect(report.results[0]).toMatchObject({ outcome: 'drained', evidence: 'app-idle' });
    expect(events.some((e) => e.type === 'warning' && e.message.includes('the app answers again'))).toBe(true);
  });

  it('watch --until app-idle ends a drain started earlier (its start from the ledger) on the app\'s word', async () => {
    await drainTargets({ providers: async () => provider, ledger, clock, random: () => 0.5, targets: [ref(`elbv2:web/${A}`)], force: true, wait: false });
    app.busyUntil = clock.now() + 10_000;
    const started = clock.now();
    const report = await watchTargets({ providers: async () => provider, ledger, clock, random: () => 0.5, onEvent: (e) => events.push(e), targets: [ref(`elbv2:web/${A}`)], appIdle: appIdle() });
    expect(report.results[0]).toMatchObject({ outcome: 'drained', evidence: 'app-idle' });
    expect(clock.now() - started).toBeLessThan(12_000);
    expect((await ledger.history()).find((e) => e.type === 'drained')?.details).toMatchObject({ by: 'watch', evidence: 'app-idle' });
  });

  it('what answers but is not a drainctl status endpoint is refused before anything changes (exit 2)', async () => {
    const notStatus = async (): Promise<AppStatus> => {
      throw new AppStatusError('not_status', '"schema" is missing');
    };
    await expect(drain(appIdle({ read: notStatus }))).rejects.toMatchObject({ kind: 'usage', message: `--app-status ${URL_A} is not a drainctl status endpoint: "schema" is missing` });
    expect(provider.mutations()).toEqual([]);
  });

  it('with no status URL configured for the group, refuses before anything changes', async () => {
    await expect(drain(appIdle({ statusUrl: () => undefined }))).rejects.toMatchObject({ kind: 'usage', message: '--until app-idle needs the status URL of the apps in elbv2:web' });
    expect(provider.mutations()).toEqual([]);
  });
});

describe('--app-status templates', () => {
  const status = (target: string, registration?: Record<string, unknown>): TargetStatus => ({
    ref: { kind: 'target', provider: 'elbv2', group: 'web', target },
    state: 'active',
    health: 'healthy',
    raw: { state: 'healthy' },
    registration,
  });

  it('fills {ip}, {id}, {port} and {target} from the target', () => {
    expect(appStatusUrl('http://{ip}:9000/drain/status', status('10.0.1.12:8080'))).toBe('http://10.0.1.12:9000/drain/status');
    expect(appStatusUrl('http://{ip}:{port}/s', status('fd00::1:8080'.replace(/^/, '[').replace(':8080', ']:8080')))).toBe('http://[fd00::1]:8080/s');
    expect(appStatusUrl('https://{id}.internal/s?t={target}', status('i-0a:8080'))).toBe('https://i-0a.internal/s?t=i-0a:8080');
    expect(appStatusUrl('http://{ip}:9000/s', status('app1', { address: '127.0.0.1:4100' }))).toBe('http://127.0.0.1:9000/s');
  });

  it('refuses what a target cannot fill, an unknown placeholder, and what is not an http(s) URL', () => {
    expect(() => appStatusUrl('http://{ip}:9000/s', status('i-0a:8080'))).toThrow(/needs \{ip\}, which elbv2:web\/i-0a:8080 does not have/);
    expect(() => checkAppStatusTemplate('http://{host}:9000/s')).toThrow('invalid --app-status "http://{host}:9000/s": unknown placeholder {host}');
    expect(() => checkAppStatusTemplate('ftp://{ip}/s')).toThrow('only http and https URLs are read');
    expect(() => checkAppStatusTemplate('not a url')).toThrow('not a URL');
  });

  it('never shows a user name, password or query', () => {
    expect(displayUrl('http://ops:s3cret@10.0.0.1:9000/drain/status?token=abc')).toBe('http://10.0.0.1:9000/drain/status?…');
  });
});
