import { parseDuration } from '../../core/duration.js';
import { usageError } from '../../core/errors.js';
import { checkAppStatusTemplate } from '../../core/app-status-url.js';
import { parseRef } from '../../core/refs.js';
import { refSyntaxes } from '../../providers/registry.js';
import type { Entry } from './file.js';
import { HOOK_KEYS } from './schema.js';

/** The `hook:` section of one file (docs/hook.md). */
export interface HookSection {
  readonly line: number | undefined;
  readonly entries: ReadonlyMap<string, Entry>;
  readonly targets: readonly Entry[];
}

/** Values used to check a target template's shape when the file is read: any instance ID and address would do. */
const SAMPLE = { id: 'i-0123456789abcdef0', ip: '10.0.0.1' };

/** Checks one key of the hook section; `unknown` refuses a key the section does not take. */
export function checkHookEntry(key: string, entry: Entry, where: string, unknown: () => never = () => { throw usageError(`unknown key "${key}" in ${where}`); }): void {
  if (!Object.hasOwn(HOOK_KEYS, key)) unknown();
  const value = entry.value;
  switch (key) {
    case 'targets':
      try {
        parseRef(value.replaceAll('{id}', SAMPLE.id).replaceAll('{ip}', SAMPLE.ip), refSyntaxes, 'target');
      } catch (error) {
        throw usageError(`hook target "${value}" in ${where} is not a target reference: ${(error as Error).message}`, 'e.g. haproxy:/run/haproxy/admin.sock/be_app/{id} or nginx:/etc/nginx/conf.d/upstreams.conf/app/{ip}:8080');
      }
      if (!value.includes('{id}') && !value.includes('{ip}')) {
        throw usageError(`hook target "${value}" in ${where} names no instance`, 'use {id} (the instance ID) or {ip} (its private IP) where the instance goes');
      }
      return;
    case 'scan':
    case 'app-drain':
      if (value !== 'true' && value !== 'false') throw usageError(`invalid ${key} "${value}" in ${where}`, 'expected true or false');
      return;
    case 'scan-cache':
      parseDuration(value, `scan-cache in ${where}`);
      return;
    case 'app-status-url':
      checkAppStatusTemplate(value, `app-status-url in ${where}`);
      return;
    case 'on-failure':
      if (value !== 'continue' && value !== 'abandon') throw usageError(`invalid on-failure "${value}" in ${where}`, 'expected continue or abandon');
      return;
    case 'concurrency': {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1 || n > 100) throw usageError(`invalid concurrency "${value}" in ${where}`, 'expected a whole number from 1 to 100');
      return;
    }
  }
}
