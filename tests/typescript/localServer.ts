// `flowscale serve` on a free loopback port (port 0: the OS picks it, the server prints it).
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';

export const API_KEY = 'ts-test-key-not-secret';
/** The repository: tests run compiled in node_modules/.cache/flowscale-ts-tests/tests/typescript. */
export const ROOT = path.resolve(__dirname, '..', '..', '..', '..', '..');

export type LocalServer = { baseUrl: string; stop: () => Promise<void> };

export async function startLocalServer(): Promise<LocalServer> {
  const python = process.env.FLOWSCALE_PYTHON ?? path.join(ROOT, '.venv', 'bin', 'python');
  const child: ChildProcess = spawn(
    python,
    ['-m', 'flowscale.cli', 'serve', '--port', '0', '--api-key', API_KEY, '--step-delay', '0.05'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const killOnExit = (): void => {
    child.kill('SIGKILL'); // the test process ends without stop(): leave no server behind
  };
  process.once('exit', killOnExit);
  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGINT');
      const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(force);
    }
  };
  const stdout = child.stdout;
  if (stdout === null) throw new Error('no stdout from flowscale serve');
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000); // a server that never starts
  let baseUrl: string | undefined;
  try {
    for await (const line of createInterface({ input: stdout })) {
      baseUrl = /^Flowscale local server: (http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1];
      if (baseUrl !== undefined) break;
    }
  } finally {
    clearTimeout(timer);
  }
  if (baseUrl === undefined) {
    await stop();
    throw new Error('flowscale serve exited before printing its URL');
  }
  stdout.resume(); // keep draining: the server must never block on a full pipe
  return { baseUrl, stop };
}
