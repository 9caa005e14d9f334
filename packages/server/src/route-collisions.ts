/** A probe path the app also routes. */
export interface RouteCollision {
  readonly path: string;
  readonly route: string;
  readonly framework: 'Express' | 'Fastify';
}

interface ExpressLayer {
  route?: { path?: unknown };
  match?: (path: string) => unknown;
}

const FASTIFY_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

function expressStack(app: unknown): readonly ExpressLayer[] | null {
  if (typeof app !== 'function') return null;
  // Express 5 keeps its router in app.router, Express 4 in app._router.
  const router = (app as { router?: { stack?: unknown } }).router ?? (app as { _router?: { stack?: unknown } })._router;
  return Array.isArray(router?.stack) ? (router.stack as ExpressLayer[]) : null;
}

function isFastify(app: unknown): app is { hasRoute(route: { method: string; url: string }): boolean } {
  return typeof app === 'object' && app !== null && typeof (app as { hasRoute?: unknown }).hasRoute === 'function';
}

/** True when `app` is something findRouteCollision can inspect (an Express app or a Fastify instance). */
export function canInspectRoutes(app: unknown): boolean {
  return expressStack(app) !== null || isFastify(app);
}

/**
 * Finds a probe path that one of the app's routes also matches. Express: routes on the app's own router
 * (not routers mounted with app.use, not middleware). Fastify: any route, any common method. Routes added
 * after createDrainer are not seen; the probe path answers first either way.
 */
export function findRouteCollision(app: unknown, paths: readonly string[]): RouteCollision | null {
  const stack = expressStack(app);
  if (stack) {
    for (const layer of stack) {
      if (!layer.route || typeof layer.match !== 'function') continue;
      const hit = paths.find((path) => Boolean(layer.match?.(path)));
      if (hit !== undefined) return { path: hit, route: String(layer.route.path), framework: 'Express' };
    }
    return null;
  }
  if (isFastify(app)) {
    for (const path of paths) {
      if (FASTIFY_METHODS.some((method) => app.hasRoute({ method, url: path }))) return { path, route: path, framework: 'Fastify' };
    }
  }
  return null;
}
