"""Runs a command in a real pseudo-terminal, presses Ctrl-C once its output matches a pattern,
and prints what happened as one JSON object: {"exit", "signal", "output", "sent", "timed_out"}.

Usage: python3 pty_ctrl_c.py <pattern> <wait-seconds> <exit-seconds> -- <command...>

Ctrl-C is written to the terminal (the byte 0x03), as a keyboard would: whether it becomes
SIGINT is up to the terminal's mode, which is exactly what the test checks. Every wait is
bounded: at most <wait-seconds> for the pattern, then at most <exit-seconds> for the exit; the
command is killed (SIGKILL) when either runs out.
"""
import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time


def main() -> int:
    split = sys.argv.index('--')
    pattern, wait_s, exit_s = re.compile(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
    command = sys.argv[split + 1:]
    pid, master = pty.fork()
    if pid == 0:
        os.execvp(command[0], command)
    # 40 rows x 120 columns, so the spinner has a width to draw in.
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack('HHHH', 40, 120, 0, 0))
    output = b''
    sent = False
    timed_out = False
    deadline = time.monotonic() + wait_s
    status = None
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            timed_out = True
            break
        ready, _, _ = select.select([master], [], [], min(remaining, 0.1))
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                chunk = b''
            if not chunk:
                break
            output += chunk
        if not sent and pattern.search(output.decode('utf-8', 'replace')):
            os.write(master, b'\x03')
            sent = True
            deadline = time.monotonic() + exit_s
    if timed_out:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    os.close(master)
    result = {
        'exit': os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else None,
        'signal': os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        'output': output.decode('utf-8', 'replace'),
        'sent': sent,
        'timed_out': timed_out,
    }
    sys.stdout.write(json.dumps(result))
    return 0


if __name__ == '__main__':
    sys.exit(main())
