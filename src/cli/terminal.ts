/**
 * Decides, once, how output may look. Interactivity (spinners) needs a TTY that is not
 * under CI; colour follows FORCE_COLOR (Node's rules), then NO_COLOR, then the TTY.
 */
export interface TerminalFacts {
  /** Animated progress allowed on stderr. */
  readonly interactive: boolean;
  /** Colour level for chalk: 0 none, 1 basic, 2 256, 3 truecolor. */
  readonly colorLevel: 0 | 1 | 2 | 3;
}

export function detectTerminal(env: NodeJS.ProcessEnv = process.env, stream: { isTTY?: boolean; columns?: number } = process.stderr): TerminalFacts {
  const tty = Boolean(stream.isTTY) && env.TERM !== 'dumb';
  // A terminal that reports no width (a pseudo-terminal nobody sized) cannot host a spinner:
  // redrawing it there never ends. Plain lines work everywhere.
  const sized = stream.columns === undefined || stream.columns > 0;
  const interactive = tty && sized && !('CI' in env);
  return { interactive, colorLevel: colorLevel(env, tty) };
}

function colorLevel(env: NodeJS.ProcessEnv, tty: boolean): 0 | 1 | 2 | 3 {
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '' || force === '1' || force === 'true') return 1;
    if (force === '2') return 2;
    if (force === '3') return 3;
    return 0;
  }
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  return tty ? 1 : 0;
}
