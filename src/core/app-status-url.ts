import { isIP } from 'node:net';
import { usageError } from './errors.js';
import { formatRef } from './refs.js';
import type { TargetStatus } from './state.js';

/** The placeholders an --app-status template may use. */
export const APP_STATUS_PLACEHOLDERS = ['{target}', '{id}', '{ip}', '{port}'] as const;

/**
 * Fills an --app-status template from a target: {target} as the provider names it, {id} without
 * its port, {ip} the target's address (an ip target, or the address it is registered with), and
 * {port}. A placeholder the target cannot fill is refused before anything changes.
 */
export function appStatusUrl(template: string, status: TargetStatus): string {
  const ref = status.ref;
  const { id, port } = splitPort(ref.target);
  const values: Record<string, () => string | undefined> = {
    '{target}': () => ref.target,
    '{id}': () => id,
    '{port}': () => port,
    '{ip}': () => addressOf(id, status),
  };
  const filled = template.replace(/\{[a-z]+\}/g, (placeholder) => {
    const value = values[placeholder];
    if (!value) throw usageError(`invalid --app-status "${template}": unknown placeholder ${placeholder}`, `use ${APP_STATUS_PLACEHOLDERS.join(', ')}`);
    const text = value();
    if (text === undefined) throw usageError(`--app-status "${template}" needs ${placeholder}, which ${formatRef(ref)} does not have`, placeholder === '{ip}' ? 'drainctl knows no address for an instance id: use a fixed URL, or {id} with a name your DNS resolves' : 'use a fixed URL');
    return placeholder === '{ip}' && isIP(text) === 6 ? `[${text}]` : text;
  });
  checkUrl(filled, template);
  return filled;
}

/** Checks a template before any target is known: placeholders drainctl fills, and an http(s) URL around them. */
export function checkAppStatusTemplate(template: string, as = `--app-status "${template}"`): void {
  const unknown = (template.match(/\{[a-z]+\}/g) ?? []).find((p) => !(APP_STATUS_PLACEHOLDERS as readonly string[]).includes(p));
  if (unknown) throw usageError(`invalid ${as}: unknown placeholder ${unknown}`, `use ${APP_STATUS_PLACEHOLDERS.join(', ')}`);
  const sample = template.replace(/\{(target|id)\}/g, 'host').replace(/\{ip\}/g, '127.0.0.1').replace(/\{port\}/g, '80');
  let parsed: URL;
  try {
    parsed = new URL(sample);
  } catch {
    throw usageError(`invalid ${as}: not a URL`, 'e.g. http://{ip}:9000/drain/status');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw usageError(`invalid ${as}: only http and https URLs are read`, 'e.g. http://{ip}:9000/drain/status');
}

/** Refuses a status URL that is not an absolute http(s) URL. */
export function checkUrl(url: string, as: string = url): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError(`invalid --app-status "${as}": not a URL`, 'e.g. http://{ip}:9000/drain/status');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw usageError(`invalid --app-status "${as}": only http and https URLs are read`, 'e.g. http://{ip}:9000/drain/status');
}

function splitPort(target: string): { id: string; port: string | undefined } {
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(target);
  if (bracketed) return { id: bracketed[1]!, port: bracketed[2] };
  const plain = /^([^:]+):(\d+)$/.exec(target);
  if (plain) return { id: plain[1]!, port: plain[2] };
  return { id: target, port: undefined };
}

function addressOf(id: string, status: TargetStatus): string | undefined {
  if (isIP(id)) return id;
  const registered = status.registration?.address;
  if (typeof registered === 'string') {
    const { id: host } = splitPort(registered);
    if (isIP(host)) return host;
  }
  return undefined;
}

/** A URL as drainctl prints it: never the user name, password or query (they may hold a secret). */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}${u.search ? '?…' : ''}`;
  } catch {
    return '(not a URL)';
  }
}
