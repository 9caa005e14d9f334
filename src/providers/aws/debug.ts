/**
 * Debug logging for AWS clients that shows what was called and how it went, never
 * headers or bodies: the Authorization header carries the access key ID, and a
 * session token travels in X-Amz-Security-Token.
 */
interface MiddlewareStackLike {
  add(middleware: unknown, options: Record<string, unknown>): void;
}

/** Adds a request/response line logger to an SDK client's middleware stack. */
export function addDebugLogging(stack: MiddlewareStackLike, service: string, debug: (line: string) => void): void {
  const middleware =
    (next: (args: { request: unknown; input: unknown }) => Promise<{ response: unknown }>, context: { commandName?: string }) =>
    async (args: { request: unknown; input: unknown }) => {
      const request = args.request as { headers?: Record<string, string>; hostname?: string; port?: number; protocol?: string };
      const attempt = request.headers?.['amz-sdk-request'] ?? '';
      const started = Date.now();
      debug(`aws ${service} ${context.commandName ?? '?'} -> ${request.protocol ?? ''}//${request.hostname ?? ''}${request.port ? `:${request.port}` : ''} ${attempt}`.trim());
      try {
        const output = await next(args);
        const response = output.response as { statusCode?: number; headers?: Record<string, string> };
        debug(`aws ${service} ${context.commandName ?? '?'} <- ${response.statusCode ?? '?'} in ${Date.now() - started}ms request-id=${response.headers?.['x-amzn-requestid'] ?? '-'}`);
        return output;
      } catch (error) {
        const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
        debug(`aws ${service} ${context.commandName ?? '?'} <- ${e.$metadata?.httpStatusCode ?? 'error'} ${e.name ?? ''} in ${Date.now() - started}ms`);
        throw error;
      }
    };
  stack.add(middleware, { step: 'finalizeRequest', name: 'drainctlDebugLog', priority: 'low' });
}
