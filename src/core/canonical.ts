import type { InstanceRecord } from './ledger.js';
import type { GroupSnapshot } from './provider.js';
import type { GroupRef } from './refs.js';
import type { TargetStatus } from './state.js';

/**
 * Canonical references, made once, before anything reaches the ledger or an event: the group
 * as the provider identifies it (an ELBv2 target group by its name, also when named by ARN),
 * the target as the concrete registration the provider reported (with its port). However a
 * reference was spelled, drain, watch, status and restore then meet on the same ledger row.
 */

/** The group as the provider identifies it. */
export function canonicalGroup(snapshot: GroupSnapshot): GroupRef {
  return { ...snapshot.group, group: snapshot.canonicalGroup ?? snapshot.group.group };
}

/** The snapshot with every reference in canonical form. */
export function canonicalSnapshot(snapshot: GroupSnapshot): GroupSnapshot {
  const group = canonicalGroup(snapshot);
  const rename = (s: TargetStatus): TargetStatus => (s.ref.group === group.group ? s : { ...s, ref: { ...s.ref, group: group.group } });
  return { ...snapshot, group, targets: snapshot.targets.map(rename), ...(snapshot.registered && { registered: snapshot.registered.map(rename) }) };
}

/**
 * A target the provider no longer lists, named without a detail its ledger row has (`i-0a`
 * for the recorded `i-0a:8080`), takes the recorded name: the concrete registration.
 */
export function withRecordedNames(snapshot: GroupSnapshot, recorded: (status: TargetStatus) => InstanceRecord | undefined): GroupSnapshot {
  const targets = snapshot.targets.map((s) => {
    if (s.state !== 'absent') return s;
    const row = recorded(s);
    return row && row.target !== s.ref.target ? { ...s, ref: { ...s.ref, target: row.target } } : s;
  });
  return { ...snapshot, targets };
}
