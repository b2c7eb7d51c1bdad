// Entry of the engine process, run by `child_process.fork` (engine-client.ts) with an IPC
// channel. argv carries only non-secret switches: `--demo` (serve an embedded emulator with the
// demo seed and mount it) and `--detach` (keep running when the front end disconnects — the
// backgrounded `wsfs mount`). The token arrives in an `engine:set-credentials` message only.
import type { EngineEvent } from '../../shared/engine-protocol';
import { WorkspaceEmulator } from '../../emulator/workspace-emulator';
import { EngineHost } from './engine-host';
import { realEngineFactory } from './engine-factory';
import { composeMount } from './mount-composer';

async function run(): Promise<void> {
  const args = process.argv.slice(2);
  const detach = args.includes('--detach');
  const send = (event: EngineEvent): void => {
    if (process.connected && process.send !== undefined) process.send(event);
  };
  const emulator = args.includes('--demo') ? await WorkspaceEmulator.start({ seed: 'demo' }) : undefined;
  let exiting = false;
  const exit = (code: number): void => {
    if (exiting) return;
    exiting = true;
    void (emulator?.stop() ?? Promise.resolve()).finally(() => process.exit(code));
  };

  const host = new EngineHost({
    send,
    connected: () => process.connected,
    stderr: process.stderr,
    pid: process.pid,
    factory: realEngineFactory(composeMount),
    ...(emulator !== undefined && { fixedWorkspace: { host: emulator.host, token: emulator.token } }),
    onIdle: () => exit(0),
  });
  process.on('message', (message) => void host.receive(message));
  const stop = (): void => void host.shutdown().catch(() => exit(1));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('disconnect', () => {
    if (!detach || !host.busy) stop();
  });
  host.start();
}

run().catch((error: unknown) => {
  process.stderr.write(`wsfs engine: cannot start: ${(error as Error).message}\n`);
  process.exit(1);
});
