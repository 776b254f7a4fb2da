/** openssl s_client in a child process, asynchronously (the server under test lives in the test's process). */
import { spawn } from 'node:child_process';

export function sClient(
  args: string[],
  timeoutMs = 10_000,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // stdin from /dev/null: s_client ends once the handshake is done and there is nothing to send.
    const child = spawn('openssl', ['s_client', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
