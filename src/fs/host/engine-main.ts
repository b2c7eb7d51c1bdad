// Entry of the engine process, run by `child_process.fork` (engine-client.ts, the app's supervisor
// in tests) with an IPC channel, or by Electron's `utilityProcess.fork` (the tray app), whose channel
// is `process.parentPort`. argv carries only non-secret switches: `--demo` (serve an embedded
// emulator with the demo seed and mount it) and `--detach` (keep running when the front end
// disconnects — the backgrounded `wsfs mount`). The token arrives in an `engine:set-credentials` message only.
import type { EngineEvent } from '../../shared/engine-protocol';
import { WorkspaceEmulator } from '../../emulator/workspace-emulator';
import { EngineHost } from './engine-host';
import { realEngineFactory } from './engine-factory';
import { composeMount } from './mount-composer';

/** Electron's utility-process channel (structurally; the engine never imports electron). */
interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
}

/** The channel to the front end: a fork IPC channel, or a utility process's parentPort. */
function frontEndChannel(): { send: (event: EngineEvent) => void; connected: () => boolean; onMessage: (listener: (message: unknown) => void) => void } {
  const port = (process as { parentPort?: ParentPort }).parentPort;
  if (port !== undefined) {
    return { send: (event) => port.postMessage(event), connected: () => true, onMessage: (listener) => port.on('message', (event) => listener(event.data)) };
  }
  return {
    send: (event) => {
      if (process.connected && process.send !== undefined) process.send(event);
    },
    connected: () => process.connected,
    onMessage: (listener) => process.on('message', listener),
  };
}

async function run(): Promise<void> {
  // stderr may be a pipe to the app, which can go away first: a lost log line must not end the
  // engine while it still flushes saves and unmounts (an 'error' without a listener would throw).
  process.stderr.on('error', () => undefined);
  const args = process.argv.slice(2);
  const detach = args.includes('--detach');
  const channel = frontEndChannel();
  const send = channel.send;
  const emulator = args.includes('--demo') ? await WorkspaceEmulator.start({ seed: 'demo' }) : undefined;
  let exiting = false;
  const exit = (code: number): void => {
    if (exiting) return;
    exiting = true;
    void (emulator?.stop() ?? Promise.resolve()).finally(() => process.exit(code));
  };

  const host = new EngineHost({
    send,
    connected: channel.connected,
    stderr: process.stderr,
    pid: process.pid,
    factory: realEngineFactory(composeMount),
    ...(emulator !== undefined && { fixedWorkspace: { host: emulator.host, token: emulator.token } }),
    onIdle: () => exit(0),
  });
  channel.onMessage((message) => void host.receive(message));
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
