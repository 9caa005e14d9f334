import { Command, Option } from 'commander';
import { PROVIDERS } from '../providers/registry.js';
import { addProviderFlags, refuseMisappliedProviderFlags } from './config/provider-flags.js';
import { DEFAULT_LEASE_MS } from '../core/lease.js';
import { type CommandContext, expandReference, type GlobalOptions, withConfiguredTimeout } from './context.js';
import type { CommandResult } from './render/output.js';

/** What ends a drain's wait: the load balancer's word (default), or the app's own (docs/server.md). */
function untilOption(): Option {
  return new Option('--until <evidence>', 'when a target counts as drained: load-balancer (its own word) or app-idle (the app reports nothing in flight)').choices(['load-balancer', 'app-idle']).default('load-balancer');
}

/** Runs a command's handler with the shared context; main supplies it. */
export type Runner = (handler: (ctx: CommandContext) => Promise<CommandResult>) => Promise<void>;

/** The reference table of the top-level help, one example per provider, from the descriptors. */
function referenceHelp(): string {
  const lines = PROVIDERS.flatMap((p) => [`  ${p.title}`, `    ${p.syntax.targetExample}`]);
  return `
References (docs/targets.md), one example per provider:
${lines.join('\n')}
  A group alone (${PROVIDERS[0]!.syntax.groupExample}) names every target in it, where a command accepts groups.
  An alias from drainctl.yaml stands for the reference it names (docs/configuration.md).`;
}

const EXAMPLES = `
Examples:
  drainctl drain elbv2:web/i-0abc1234def567890          drain one instance and wait until drained
  drainctl drain elbv2:web/10.0.1.12:8080 --timeout 5m  an IP target on port 8080, wait at most 5 minutes
  drainctl drain elb:legacy-web/i-0abc1234def567890 --no-wait
  drainctl restore elbv2:web/i-0abc1234def567890        put it back as it was and wait until healthy
  drainctl status elbv2:web                             every target of a group
  drainctl fleet                                        every drain under way or not restored, whoever started it
  drainctl history --since 2h                           what drainctl did in the last two hours
  drainctl timeout set elbv2:web 60s                    set the deregistration delay
  drainctl -o ndjson drain elbv2:web/i-0abc1234def567890  an event stream for CI
  drainctl --mode maint drain haproxy:/run/haproxy/admin.sock/be_app/app1  a provider's own option
  drainctl drain web1                                   an alias from drainctl.yaml
  drainctl config show                                  every setting in force and where it came from
  drainctl demo                                         see it work on the built-in emulator

Configuration: drainctl.yaml in this directory or a parent, then ~/.config/drainctl/drainctl.yaml;
flags > environment > project file > user file (docs/configuration.md).

Exit codes: 0 ok, 1 provider or unexpected error, 2 invalid input, 3 not found,
4 timed out waiting, 5 refused by a safety check, 130 interrupted (docs/exit-codes.md).`;

/** Declares every command. Handlers are imported only when their command runs, to keep start-up fast. */
export function buildProgram(version: string, run: Runner): Command {
  const program = new Command('drainctl')
    .description('Drain targets out of load balancers safely: stop new traffic, prove in-flight work finished, record it, put it back exactly as it was.')
    .version(version, '-V, --version', 'print the version')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json', 'ndjson']).default('text'))
    .option('--region <region>', 'cloud region (default: AWS_REGION or the profile)')
    .option('--profile <name>', 'AWS named profile')
    .option('--project <id>', 'Google Cloud project for references that leave it out (default: GOOGLE_CLOUD_PROJECT)')
    .option('--subscription <id>', 'Azure subscription for references that leave it out (default: AZURE_SUBSCRIPTION_ID)')
    // The environment variables of --endpoint-url and --ledger are read with the configuration
    // files (config/resolve.ts), so `config show` can say which of flag, env or file a value came from.
    .option('--endpoint-url <url>', 'send API calls to this endpoint (an emulator) (env: DRAINCTL_ENDPOINT_URL)')
    .option('--ledger <path>', 'drain record database (default: ~/.local/state/drainctl/ledger.db, under $XDG_STATE_HOME when it is set) (env: DRAINCTL_LEDGER)')
    .option('--debug', 'log each API call (never credentials)')
    .option('--config <file>', 'read this configuration file instead of looking for drainctl.yaml (env: DRAINCTL_CONFIG)')
    .showHelpAfterError(false)
    // Inherited by every command created below: `drainctl drain --help` lists --region, -o and the rest too.
    .configureHelp({ showGlobalOptions: true })
    .addHelpText('after', `${referenceHelp()}\n${EXAMPLES}`);
  addProviderFlags(program);

  /**
   * Runs a command that names these references (some may be absent): the configuration is read,
   * aliases are expanded, and a provider's flag that none of them uses is refused, all before
   * the handler loads a provider or opens the ledger.
   */
  const runFor = (references: readonly unknown[], handler: (ctx: CommandContext) => Promise<CommandResult>): Promise<void> =>
    run(async (ctx) => {
      const texts = references.filter((r): r is string => typeof r === 'string').map((r) => expandReference(ctx, r));
      refuseMisappliedProviderFlags(program.opts(), texts);
      return handler(ctx);
    });

  program
    .command('drain')
    .description('take targets out of rotation and wait until their in-flight work is done')
    .argument('<ref...>', 'targets to drain')
    .option('--timeout <duration>', 'wait at most this long (default: the drain timeout plus a margin)')
    .option('--no-wait', 'return once new traffic has stopped')
    .option('--dry-run', 'show what would change and change nothing')
    .option('--force', 'drain even if a safety check objects (capacity, draining disabled)')
    .addOption(new Option('--on-timeout <action>', 'when the wait runs out: fail (exit 4, leave draining) or force (cut what is left, where the provider can)').choices(['fail', 'force']).default('fail'))
    .option('--min-healthy <n|p%>', 'targets that must stay in service in the group, a number or a percentage (default: never the last one; config: min-healthy)')
    .option('--wait-for-capacity <duration>', 'wait this long for capacity, or for another runner to finish with a target, instead of refusing (exit 5)')
    .option('--lease <duration>', `how long this drain stays reserved if drainctl dies; renewed while it runs (default ${DEFAULT_LEASE_MS / 1000}s)`)
    .option('--no-ledger', 'emergencies only: drain without recording anything (restore then cannot use the recorded registration)')
    .addOption(untilOption())
    .option('--app-status <url>', 'with --until app-idle: the app\'s status URL, or a template: {ip}, {id}, {port}, {target} (config: app-status-url)')
    .option('--quiet-period <duration>', 'with --until app-idle: how long nothing may have been in flight (default 500ms)')
    .option('--propagation <duration>', 'with --until app-idle: how long routing takes to stop (default: health-check interval x unhealthy threshold where readable, else the provider\'s figure)')
    .addHelpText('after', '\nExamples:\n  drainctl drain elbv2:web/i-0abc1234def567890\n  drainctl drain elbv2:web/10.0.1.12:8080 --until app-idle --app-status http://{ip}:9000/drain/status\n  drainctl drain elbv2:web/10.0.1.12:8080 elbv2:api/10.0.1.12:9090 --timeout 10m\n  drainctl drain elb:legacy-web/i-0abc1234def567890 --dry-run\n  drainctl drain elbv2:web/i-0abc1234def567890 --min-healthy 50% --wait-for-capacity 10m\n  drainctl --ledger postgres://drainctl@db.internal/drainctl drain elbv2:web/i-0abc1234def567890 --min-healthy 4')
    .action((refs: string[], flags) => runFor(refs, async (ctx) => (await import('./commands/drain.js')).drainCommand(ctx, refs, withConfiguredTimeout(ctx, refs, flags))));

  program
    .command('restore')
    .description('put drained targets back exactly as they were registered and wait until healthy')
    .argument('<ref...>', 'targets to restore')
    .option('--timeout <duration>', 'wait at most this long for health (default 5m)')
    .option('--no-wait', 'return once registered')
    .option('--dry-run', 'show what would change and change nothing')
    .addHelpText('after', '\nExamples:\n  drainctl restore elbv2:web/i-0abc1234def567890\n  drainctl restore elb:legacy-web/i-0abc1234def567890 --no-wait')
    .action((refs: string[], flags) => runFor(refs, async (ctx) => (await import('./commands/restore.js')).restoreCommand(ctx, refs, flags)));

  program
    .command('status')
    .description('show targets (or every target of a group) as the load balancer and the ledger see them')
    .argument('<ref...>', 'targets or groups')
    .addHelpText('after', '\nExamples:\n  drainctl status elbv2:web\n  drainctl status elbv2:web/i-0abc1234def567890 -o json')
    .action((refs: string[]) => runFor(refs, async (ctx) => (await import('./commands/status.js')).statusCommand(ctx, refs)));

  program
    .command('watch')
    .description('follow targets live until each is drained or back in service')
    .argument('<ref...>', 'targets to follow')
    .option('--timeout <duration>', 'stop watching after this long (default: the drain timeout plus a margin)')
    .addOption(untilOption())
    .option('--app-status <url>', 'with --until app-idle: the app\'s status URL, or a template: {ip}, {id}, {port}, {target} (config: app-status-url)')
    .option('--quiet-period <duration>', 'with --until app-idle: how long nothing may have been in flight (default 500ms)')
    .option('--propagation <duration>', 'with --until app-idle: how long routing takes to stop (default: the provider\'s)')
    .addHelpText('after', '\nExamples:\n  drainctl watch elbv2:web/i-0abc1234def567890\n  drainctl watch elbv2:web/10.0.1.12:8080 --until app-idle --app-status http://{ip}:9000/drain/status')
    .action((refs: string[], flags) => runFor(refs, async (ctx) => (await import('./commands/watch.js')).watchCommand(ctx, refs, withConfiguredTimeout(ctx, refs, { ...flags, wait: true }))));

  const timeout = program.command('timeout').description("read or set a group's drain timeout");
  timeout
    .command('get')
    .argument('<group-ref>', 'a target group or load balancer')
    .description('show the drain timeout (ELBv2 deregistration delay, Classic connection draining)')
    .addHelpText('after', '\nExample:\n  drainctl timeout get elbv2:web')
    .action((ref: string) => runFor([ref], async (ctx) => (await import('./commands/timeout.js')).timeoutGetCommand(ctx, ref)));
  const latency = (c: Command, bare: boolean): Command =>
    c
      .option('--p99 <duration>', 'p99 latency, e.g. 850ms')
      .option('--from-log <file>', 'access log, plain or gzip (- reads stdin)')
      .option('--format <format>', 'with --from-log: alb, elb, haproxy, nginx, jsonl')
      .option('--field <name>', 'nginx key=value field or jsonl dotted path')
      .option('--unit <unit>', 'nginx/jsonl field unit: ns, us, ms, s')
      .option(`--from-cloudwatch ${bare ? '[group-ref]' : '<group-ref>'}`, 'ALB TargetResponseTime / Classic ELB Latency')
      .option('--since <duration>', 'with --from-cloudwatch: 1m-455d (default 7d)')
      .option(`--from-history ${bare ? '[group-ref]' : '<group-ref>'}`, 'drains recorded in the ledger')
      .option('--margin <factor>', 'timeout = p99 × margin, 1-10 (default 2)')
      .option('--floor <duration>', 'never less than this (default 30s)');
  latency(
    timeout
      .command('set')
      .argument('<group-ref>', 'a target group or load balancer')
      .argument('[duration]', 'e.g. 60, 60s, 5m (ELBv2 0-3600 s, Classic 1-3600 s); or size it from latency with a source below')
      .option('--dry-run', 'show the change and make none')
      .description('set the drain timeout, or size it from latency (docs/timeouts.md); out-of-range values are refused before any API call'),
    true,
  )
    .addHelpText('after', '\nExamples:\n  drainctl timeout set elbv2:web 60s\n  drainctl timeout set elb:legacy-web 5m --dry-run\n  drainctl timeout set elbv2:web --from-log alb.log.gz --format alb --dry-run\n  drainctl timeout set elbv2:web --from-cloudwatch --since 7d')
    .action((ref: string, duration: string | undefined, flags) => runFor([ref, flags.fromCloudwatch, flags.fromHistory], async (ctx) => (await import('./commands/timeout-from.js')).timeoutSetFromCommand(ctx, ref, duration, flags)));
  latency(timeout.command('recommend').description('recommend a drain timeout from p99 latency, per provider; changes nothing (docs/timeouts.md)'), false)
    .addHelpText('after', '\nExamples:\n  drainctl timeout recommend --p99 850ms\n  drainctl timeout recommend --from-log alb.log.gz --format alb\n  drainctl timeout recommend --from-cloudwatch elbv2:web --since 7d -o json')
    .action((flags) => runFor([flags.fromCloudwatch, flags.fromHistory], async (ctx) => (await import('./commands/recommend.js')).timeoutRecommendCommand(ctx, flags)));

  program
    .command('audit')
    .description('check that the shutdown timers fit (preStop, grace period, health checks, LB and app drain timeouts); exit 5 when a rule fails')
    .option('--k8s <file>', 'Deployment/StatefulSet/Pod YAML')
    .option('--lb <group-ref>', 'read drain timeout and health check live')
    .option('--lb-timeout <duration>', 'LB drain timeout')
    .option('--health-interval <duration>', 'LB health-check interval')
    .option('--unhealthy-threshold <n>', 'failed checks before the LB stops routing')
    .option('--nlb', 'the LB is a Network Load Balancer')
    .option('--app-timeout <duration>', "the app's own drain timeout")
    .option('--app-status <url>', "read the app's drain timeout and shutdown delay from its @drainctl/server status endpoint")
    .option('--strict', 'fail on warnings too')
    .addHelpText('after', '\nExamples:\n  drainctl audit --k8s deploy.yaml --lb elbv2:web --app-timeout 20s\n  drainctl audit --k8s deploy.yaml --lb elbv2:web --app-status http://10.0.1.12:9000/drain/status')
    .action((flags) => runFor([flags.lb], async (ctx) => (await import('./commands/audit.js')).auditCommand(ctx, flags)));

  const providerOption = (): Option => new Option('--provider <name>', 'only this provider').choices(PROVIDERS.map((p) => p.name));

  program
    .command('history')
    .description('what drainctl did, newest first, from the ledger')
    .argument('[ref]', 'limit to a target or group')
    .option('--limit <n>', 'at most this many events, 1-10000', '50')
    .option('--since <when>', 'only events since then: how long ago (30m, 2h, 7d) or an RFC 3339 time')
    .option('--group <group-ref>', 'only this group (instead of a reference)')
    .addOption(providerOption())
    .addHelpText(
      'after',
      '\nExamples:\n  drainctl history\n  drainctl history elbv2:web -o json\n  drainctl history --since 2h\n  drainctl history --group elbv2:web --since 2026-11-22T03:45:00Z\n  drainctl history --provider haproxy --since 7d --limit 200',
    )
    .action((ref: string | undefined, flags) =>
      runFor([ref, flags.group], async (ctx) => (await import('./commands/history.js')).historyCommand(ctx, ref === undefined ? undefined : expandReference(ctx, ref), flags)),
    );

  program
    .command('fleet')
    .description('every target draining, or drained and not restored, across all runners and providers, from the ledger')
    .addOption(providerOption())
    .option('--group <group-ref>', 'only this group')
    .addOption(new Option('--state <state>', 'only drains in this state (draining includes those no runner follows)').choices(['draining', 'drained', 'abandoned']))
    .addHelpText(
      'after',
      '\nStates: draining (a live runner follows it, or none does any more: --no-wait, a timeout), abandoned (its\nrunner stopped renewing its lease: it died), drained (and not restored). Each drain nobody follows gets a\nline with what to run: drainctl watch <ref> to follow it, drainctl restore <ref> to put it back.\n\nExamples:\n  drainctl fleet\n  drainctl fleet --state abandoned\n  drainctl fleet --group elbv2:web -o json\n  drainctl fleet --provider haproxy --state drained',
    )
    .action((flags) => runFor([flags.group], async (ctx) => (await import('./commands/fleet.js')).fleetCommand(ctx, flags)));

  const hook = program.command('hook').description('run drainctl as an auto-scaling lifecycle hook (docs/hook.md)');
  hook
    .command('aws-asg')
    .description('drain every load balancer that routes to an EC2 Auto Scaling instance on its lifecycle action, with heartbeats, and complete the action once')
    .option('--event <file|->', 'one lifecycle notification as SQS, SNS or EventBridge delivers it (- reads standard input)')
    .option('--queue-url <url>', 'consume lifecycle notifications from this SQS queue until stopped (SIGTERM or Ctrl-C)')
    .option('--asg <name>', 'the Auto Scaling group, for an action named by flags')
    .option('--hook <name>', 'the lifecycle hook, for an action named by flags')
    .option('--instance <id>', 'the instance, for an action named by flags')
    .option('--token <token>', 'the LifecycleActionToken, for an action named by flags (default: the instance\'s pending action)')
    .addOption(new Option('--on-failure <result>', 'the result sent when a drain fails: abandon or continue (config: hook on-failure; default abandon)').choices(['continue', 'abandon']))
    .option('--no-scan', 'do not scan the region\'s ELBv2 target groups for the instance (only the group\'s own load balancers and the configured targets)')
    .option('--scan-cache <duration>', 'how long a consumer keeps the list of target groups (config: hook scan-cache; default 5m)')
    .option('--app-status <url>', 'the app\'s status URL template ({ip}, {id}): drained when the app says nothing is in flight (config: hook app-status-url)')
    .option('--app-drain', `ask the app to drain first (POST to its status URL with the secret in ${'$'}DRAINCTL_APP_DRAIN_SECRET)`)
    .option('--propagation <duration>', 'with an app status URL: how long routing takes to stop (default: as drain --until app-idle)')
    .option('--min-healthy <n|p%>', 'targets that must stay in service in each group (default: never the last one; config: min-healthy)')
    .option('--wait-for-capacity <duration>', 'how long a drain waits for capacity (or for the group\'s lock, which one action at a time holds) before the action fails (default 5m)')
    .option('--concurrency <n>', 'with --queue-url: lifecycle actions handled at once; one waiting on the queue gets no heartbeat (config: hook concurrency; default 50)')
    .option('--visibility-timeout <duration>', 'with --queue-url: how long a received message stays hidden, extended while its action runs (default 60s)')
    .option('--wait-time <duration>', 'with --queue-url: long-polling wait per receive, at most 20s (default 20s)')
    .addHelpText('after', [
      '',
      'Examples:',
      '  drainctl hook aws-asg --queue-url https://sqs.us-east-1.amazonaws.com/123456789012/drain-hooks',
      '  drainctl hook aws-asg --event notification.json',
      '  aws sqs receive-message ... | jq -r .Messages[0].Body | drainctl hook aws-asg --event -',
      '  drainctl hook aws-asg --asg web-asg --hook drain-on-scale-in --instance i-0abc1234def567890 --token 71514b9d-6a40-4b26-8523-05e7eEXAMPLE',
      '',
      'Exit codes (--event and flags): 0 completed (or nothing to do: a test notification, an action already ended),',
      '2 invalid notification or flags, 3 unknown group or hook, 4 completed with the failure result because a drain ran out of time,',
      '5 completed with the failure result because a safety check refused the drain, or another consumer holds the action.',
    ].join('\n'))
    .action((flags) => runFor([], async (ctx) => (await import('./commands/hook.js')).hookAwsAsgCommand(ctx, flags)));

  program
    .command('demo')
    .description('drain and restore a target on the built-in emulator (no cloud account needed)')
    .addOption(new Option('--provider <name>', 'which emulator').choices(['aws', 'gcp', 'azure']).default('aws'))
    .action((flags) => runFor([], async (ctx) => (await import('./commands/demo.js')).demoCommand(ctx, flags)));

  program
    .command('emulate')
    .description('serve a local load balancer emulator for testing your own scripts')
    .addArgument(new Command().createArgument('<provider>', 'which emulator').choices(['aws', 'gcp', 'azure']))
    .option('--port <n>', 'port on 127.0.0.1 (default: any free port)')
    .option('--seed <file>', 'JSON file declaring the load balancers to serve (docs/emulators.md); default: the demo seed')
    .addOption(new Option('--throttle <mode>', "throttle at the cloud's published API rates (on; 'aws' is the same) or not (off)").choices(['on', 'aws', 'off']).default('on'))
    .addHelpText('after', '\nExample:\n  drainctl emulate aws --port 4566 --seed seed.json\n  aws --endpoint-url http://127.0.0.1:4566 elbv2 describe-target-groups')
    .action((provider: string, flags) => runFor([], async (ctx) => (await import('./commands/emulate.js')).emulateCommand(ctx, provider, flags)));

  const config = program.command('config').description('show the configuration in force (drainctl.yaml, docs/configuration.md)');
  config
    .command('show')
    .description('every setting in force and where it came from: flag, env NAME, a file and line, or default')
    .addHelpText('after', '\nExamples:\n  drainctl config show\n  drainctl config show --config ci/drainctl.yaml -o json\n  drainctl --mode maint config show')
    // Provider flags are shown here, not refused: seeing where a value comes from is the point.
    .action(() => run(async (ctx) => (await import('./commands/config.js')).configShowCommand(ctx)));
  config
    .command('path')
    .description('the configuration files that would be read, strongest first')
    .addHelpText('after', '\nExample:\n  drainctl config path')
    .action(() => run(async (ctx) => (await import('./commands/config.js')).configPathCommand(ctx, program.opts<GlobalOptions>().config)));

  return program;
}
