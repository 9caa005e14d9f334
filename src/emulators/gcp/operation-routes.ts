/** globalOperations, regionOperations and zoneOperations: get, and wait (held until DONE, at most `operationWaitMaxMs`). */
import { setTimeout as sleep } from 'node:timers/promises';
import { REGION, ZONE, type HandlerContext, type Route } from './handler.js';
import type { ScopePath } from './urls.js';

function scopeOf(ctx: HandlerContext): ScopePath {
  if (ctx.params.zone) return `zones/${ctx.params.zone}`;
  if (ctx.params.region) return `regions/${ctx.params.region}`;
  return 'global';
}

function get(ctx: HandlerContext): unknown {
  const record = ctx.ops.get(ctx.project.id, scopeOf(ctx), ctx.params.name!);
  return ctx.ops.render(record, ctx.clock.now());
}

/** Like the API's wait: returns once DONE or after a bounded hold, whichever is first ("might return after zero seconds"). */
async function wait(ctx: HandlerContext): Promise<unknown> {
  const record = ctx.ops.get(ctx.project.id, scopeOf(ctx), ctx.params.name!);
  const remaining = ctx.ops.remainingMs(record, ctx.clock.now());
  if (remaining > 0) await sleep(Math.min(remaining, ctx.operationWaitMaxMs), undefined, { signal: ctx.signal }).catch(() => undefined);
  return ctx.ops.render(record, ctx.clock.now());
}

const OP = '(operation-[-a-z0-9]+)';

export const operationRoutes: readonly Route[] = [
  { method: 'GET', pattern: new RegExp(`^global/operations/(?<name>${OP})$`), action: 'globalOperations.get', mutating: false, handler: get },
  { method: 'POST', pattern: new RegExp(`^global/operations/(?<name>${OP})/wait$`), action: 'globalOperations.wait', mutating: false, handler: wait },
  { method: 'GET', pattern: new RegExp(`^regions/(?<region>${REGION})/operations/(?<name>${OP})$`), action: 'regionOperations.get', mutating: false, handler: get },
  { method: 'POST', pattern: new RegExp(`^regions/(?<region>${REGION})/operations/(?<name>${OP})/wait$`), action: 'regionOperations.wait', mutating: false, handler: wait },
  { method: 'GET', pattern: new RegExp(`^zones/(?<zone>${ZONE})/operations/(?<name>${OP})$`), action: 'zoneOperations.get', mutating: false, handler: get },
  { method: 'POST', pattern: new RegExp(`^zones/(?<zone>${ZONE})/operations/(?<name>${OP})/wait$`), action: 'zoneOperations.wait', mutating: false, handler: wait },
];
