import { usageError } from './errors.js';
import { printable, quote } from './quote.js';

/**
 * Target references share one grammar across providers:
 *
 *   <provider>:<group>/<target>   one target
 *   <provider>:<group>            a whole group
 *
 * The target is the last `/` segment and the group is everything before it, so a
 * group may itself contain `/` (an ARN does). Each provider supplies a RefSyntax that
 * validates its own group and target parts and says when a body is a group alone.
 */

/** A reference to one target in one group, in canonical form. */
export interface TargetRef {
  readonly kind: 'target';
  readonly provider: string;
  readonly group: string;
  readonly target: string;
}

/** A reference to a whole group (a target group, a load balancer, a backend). */
export interface GroupRef {
  readonly kind: 'group';
  readonly provider: string;
  readonly group: string;
}

export type Ref = TargetRef | GroupRef;

/** Values a reference may leave out, filled from flags or the environment (`--project`, `AZURE_SUBSCRIPTION_ID`). */
export type RefDefaults = Readonly<Partial<Record<'project' | 'subscription', string>>>;

/** How one provider spells its groups and targets. Pure: no SDK, no I/O. */
export interface RefSyntax {
  readonly provider: string;
  /** What a group is on this provider, for messages: "target group name or ARN". */
  readonly groupNoun: string;
  readonly targetNoun: string;
  readonly groupExample: string;
  readonly targetExample: string;
  /** Returns the canonical group (with defaults filled in), or throws a usage error saying what is wrong. */
  parseGroup(group: string, defaults: RefDefaults): string;
  /** Returns the canonical target, or throws a usage error saying what is wrong. */
  parseTarget(target: string): string;
  /** True when the whole body is a group even though it contains `/` (for example an ARN). */
  isWholeGroup(body: string): boolean;
  /** True when a target as the user wrote it names a concrete one (`i-0a` names `i-0a:8080`). Default: equal. */
  covers?(written: string, concrete: string): boolean;
}

export type Expect = 'target' | 'group' | 'any';

// References are shown whole in messages up to this length (a long ARN or file path fits).
const REFERENCE_MAX_LENGTH = 400;
const MESSAGE_MAX_LENGTH = 1000;

/** Formats a reference back to text; parseRef(formatRef(r)) returns r. */
export function formatRef(ref: Ref): string {
  return ref.kind === 'group' ? `${ref.provider}:${ref.group}` : `${ref.provider}:${ref.group}/${ref.target}`;
}

/** The group a target belongs to. */
export function groupOf(ref: Ref): GroupRef {
  return { kind: 'group', provider: ref.provider, group: ref.group };
}

/** Parses a reference against the known provider syntaxes. */
export function parseRef(text: string, syntaxes: readonly RefSyntax[], expect: Expect = 'any', defaults: RefDefaults = {}): Ref {
  const colon = text.indexOf(':');
  if (colon <= 0) {
    throw usageError(
      `invalid reference ${shown(text)}: expected <provider>:<group>/<target>`,
      `known providers: ${syntaxes.map((s) => s.provider).join(', ')}; example: ${syntaxes[0]?.targetExample ?? ''}`,
    );
  }
  const provider = text.slice(0, colon);
  const body = text.slice(colon + 1);
  const syntax = syntaxes.find((s) => s.provider === provider);
  if (!syntax) {
    throw usageError(
      `invalid reference ${shown(text)}: unknown provider ${quote(provider)}`,
      `known providers: ${syntaxes.map((s) => s.provider).join(', ')} (see docs/targets.md)`,
    );
  }
  const ref = parseBody(text, body, syntax, defaults);
  checkExpectation(text, ref, syntax, expect);
  return ref;
}

function parseBody(text: string, body: string, syntax: RefSyntax, defaults: RefDefaults): Ref {
  if (body === '') {
    throw usageError(`invalid reference ${shown(text)}: the ${syntax.groupNoun} is missing`, `example: ${syntax.targetExample}`);
  }
  const slash = body.lastIndexOf('/');
  if (slash < 0 || syntax.isWholeGroup(body)) {
    return { kind: 'group', provider: syntax.provider, group: withContext(text, () => syntax.parseGroup(body, defaults)) };
  }
  const groupPart = body.slice(0, slash);
  const targetPart = body.slice(slash + 1);
  if (groupPart === '') {
    throw usageError(`invalid reference ${shown(text)}: the ${syntax.groupNoun} before "/" is empty`, `example: ${syntax.targetExample}`);
  }
  if (targetPart === '') {
    throw usageError(
      `invalid reference ${shown(text)}: the ${syntax.targetNoun} after the last "/" is empty`,
      `name a target (${syntax.targetExample}) or the group alone (${syntax.groupExample})`,
    );
  }
  return {
    kind: 'target',
    provider: syntax.provider,
    group: withContext(text, () => syntax.parseGroup(groupPart, defaults)),
    target: withContext(text, () => syntax.parseTarget(targetPart)),
  };
}

function checkExpectation(text: string, ref: Ref, syntax: RefSyntax, expect: Expect): void {
  if (expect === 'target' && ref.kind !== 'target') {
    throw usageError(`${shown(text)} names a whole ${syntax.groupNoun}, not a target`, `add the target: ${syntax.targetExample}`);
  }
  if (expect === 'group' && ref.kind !== 'group') {
    throw usageError(`${shown(text)} names a target, not a ${syntax.groupNoun}`, `drop the target: ${syntax.groupExample}`);
  }
}

/** A reference as typed, for a message: quoted, control characters escaped, bounded. */
function shown(text: string): string {
  return quote(text, REFERENCE_MAX_LENGTH);
}

/** Prefixes a provider's complaint with the reference it is about. */
function withContext<T>(text: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof Error && 'kind' in error) {
      // The provider's complaint may repeat part of the reference: escape it as well.
      error.message = `invalid reference ${shown(text)}: ${printable(error.message, MESSAGE_MAX_LENGTH)}`;
    }
    throw error;
  }
}

/** True when the written target names the concrete one under the provider's rules. */
export function targetCovers(syntax: RefSyntax, written: string, concrete: string): boolean {
  return syntax.covers ? syntax.covers(written, concrete) : written === concrete;
}
