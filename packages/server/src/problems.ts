/** Where a reported problem came from. */
export type ProblemSource =
  | 'beforeShutdown'
  | 'onShutdown'
  | 'onDrain'
  | 'onStateChange'
  | 'stateListener'
  | 'recorder'
  | 'closeServer'
  | 'probeServer'
  | 'track'
  | 'trackLongPoll';

/** Something that went wrong without stopping the drain: reported ('problem' event, DrainResult.problems), never thrown. */
export interface Problem {
  readonly source: ProblemSource;
  readonly message: string;
  readonly timedOut: boolean;
  readonly error?: unknown;
}

export type ReportProblem = (problem: Problem) => void;

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A problem for a callback that threw or rejected. */
export function failure(source: ProblemSource, error: unknown): Problem {
  return { source, message: `${source} failed: ${errorMessage(error)}`, timedOut: false, error };
}

/** Runs a callback that may return a promise; a throw or rejection is reported, never propagated. */
export function runReported(source: ProblemSource, report: ReportProblem, task: () => unknown): Promise<void> | undefined {
  try {
    const result = task();
    if (result instanceof Promise) return result.then(() => undefined, (error: unknown) => report(failure(source, error)));
  } catch (error) {
    report(failure(source, error));
  }
  return undefined;
}

/**
 * Runs `task` for at most `ms`. Resolves null when it finished in time, or a problem when it threw, rejected
 * or ran out of time. It never rejects and never waits longer than `ms`.
 */
export async function runBounded(source: ProblemSource, ms: number, task: () => unknown): Promise<Problem | null> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    const outcome = await Promise.race([Promise.resolve().then(task).then(() => 'done' as const), deadline]);
    return outcome === 'timeout' ? { source, message: `${source} did not finish within ${ms} ms`, timedOut: true } : null;
  } catch (error) {
    return failure(source, error);
  } finally {
    clearTimeout(timer);
  }
}
