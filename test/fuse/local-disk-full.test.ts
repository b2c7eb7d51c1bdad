// A full local disk under the engine's state folder (a 2 MiB tmpfs as XDG_STATE_HOME; mounting it
// needs root or a password-less sudo),
// through a real mount with the engine in a child process: Python's write and close get ENOSPC
// (never EIO), with one handle (later writes done by the FUSE binding) and with two handles on one
// file (every write through the engine); one `other` problem names the full disk and the fix; and
// once space is freed (the tmpfs grown), the bytes written before the disk filled reach the
// workspace intact. With the content cache off, a read needs room in the state folder for its
// transient copy: an open on a full disk gets ENOSPC.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { WorkspaceEmulator } from '../../src/emulator/workspace-emulator';
import { spawnEngine, type EngineClient } from '../../src/fs/host/engine-client';
import type { Problem } from '../../src/shared/problem';
import type { EngineEvent } from '../../src/shared/engine-protocol';
import { program, run } from '../support/mounted-workspace';
import { removeFolder, tempFolder } from '../support/remote-fixture';

const ENOSPC = constants.errno.ENOSPC;
const ROOT = process.getuid?.() === 0;
/** Mounting a tmpfs needs root: directly, or through a password-less sudo (never prompts). */
const CAN_MOUNT = ROOT || spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore', timeout: 10_000 }).status === 0;

/** Runs mount/umount as root. */
function asRoot(cmd: string, args: string[]): Promise<string> {
  return ROOT ? run(cmd, args) : run('sudo', ['-n', cmd, ...args]);
}

/**
 * Writes the bytes of argv[1] to argv[2] in 128 KiB pwrites through `handles` descriptors of one
 * file (round robin) until a write fails on every handle in a row (bounded: 1000 writes); then
 * closes each. Prints {written, writeErrnos, closeErrnos} (0: the close succeeded).
 */
const WRITER = `
import json, os, sys
data = open(sys.argv[1], 'rb').read()
dst, handles = sys.argv[2], int(sys.argv[3])
fds = [os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)]
fds += [os.open(dst, os.O_WRONLY) for _ in range(handles - 1)]
written, write_errnos, failing = 0, [], 0
for i in range(1000):
    if written >= len(data) or failing == handles:
        break
    try:
        written += os.pwrite(fds[i % handles], data[written:written + 131072], written)
        failing = 0
    except OSError as e:
        write_errnos.append(e.errno)
        failing += 1
close_errnos = []
for fd in fds:
    try:
        os.close(fd)
        close_errnos.append(0)
    except OSError as e:
        close_errnos.append(e.errno)
print(json.dumps({'written': written, 'writeErrnos': write_errnos, 'closeErrnos': close_errnos}))
`;

/** Reads argv[1]; prints its length, or the errno of the failure. */
const READER = `
import sys
try:
    print(len(open(sys.argv[1], 'rb').read()))
except OSError as e:
    print('errno', e.errno)
`;

/** Opens argv[1] for appending and closes it (a save of what the working copy holds); prints the close's errno (0: ok). */
const RESAVE = `
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND)
try:
    os.close(fd)
    print(0)
except OSError as e:
    print(e.errno)
`;

interface Written {
  written: number;
  writeErrnos: number[];
  closeErrnos: number[];
}

describe('a full local disk under the state folder', { skip: !CAN_MOUNT && 'mounting a tmpfs needs root or a password-less sudo' }, () => {
  let emulator: WorkspaceEmulator;
  let dir: string;
  let home: string;
  const cleanups: Array<() => Promise<void>> = [];

  before(async () => {
    emulator = await WorkspaceEmulator.start({ seed: 'demo' });
    home = `/Users/${emulator.userName}`;
    dir = await tempFolder('disk-full');
  });
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await emulator.stop();
    await removeFolder(dir);
  });

  /** Mounts the emulator with the state folder on a fresh 2 MiB tmpfs; the cache lives elsewhere. */
  const mount = async (name: string, cacheEnabled = true): Promise<{ engine: EngineClient; events: EngineEvent[]; mountPoint: string; stateHome: string }> => {
    const stateHome = join(dir, `state-${name}`);
    const mountPoint = join(dir, `mnt-${name}`);
    await mkdir(stateHome);
    await mkdir(mountPoint);
    await asRoot('mount', ['-t', 'tmpfs', '-o', `size=2m,mode=0700,uid=${process.getuid?.() ?? 0},gid=${process.getgid?.() ?? 0}`, 'tmpfs', stateHome]);
    cleanups.push(() => asRoot('umount', ['-l', stateHome]).then(() => undefined));
    const engine = await spawnEngine({ env: { ...process.env, XDG_STATE_HOME: stateHome, XDG_CACHE_HOME: join(dir, `cache-${name}`) } });
    cleanups.push(async () => {
      await engine.request({ kind: 'engine:unmount' }, 60_000).catch(() => undefined);
      engine.kill('SIGTERM');
      await Promise.race([engine.exited, sleep(10_000)]);
      engine.kill('SIGKILL');
      await run('fusermount', ['-uz', mountPoint]).catch(() => undefined);
    });
    const events: EngineEvent[] = [];
    engine.onEvent((event) => events.push(event));
    await engine.request({ kind: 'engine:set-credentials', token: emulator.token });
    await engine.request(
      { kind: 'engine:mount', mountPoint, remotePath: home, host: emulator.host, authType: 'pat', cacheEnabled, ttlSeconds: 10, uploadMode: 'sync', debug: false },
      60_000,
    );
    return { engine, events, mountPoint, stateHome };
  };

  for (const handles of [1, 2]) {
    it(`${handles} handle${handles === 1 ? '' : 's'}: write and close get ENOSPC; after space is freed the bytes written before reach the workspace`, async () => {
      const { events, mountPoint, stateHome } = await mount(`h${handles}`);
      const source = join(dir, `source-${handles}.bin`);
      const data = randomBytes(8 * 1024 * 1024);
      await writeFile(source, data);
      const target = join(mountPoint, `big-${handles}.bin`);

      const result = await program('python3', ['-c', WRITER, source, target, String(handles)], { timeoutMs: 60_000 });
      assert.equal(result.code, 0, result.stderr);
      const outcome = JSON.parse(result.stdout) as Written;
      assert.ok(outcome.written > 256 * 1024 && outcome.written < 2 * 1024 * 1024, `some bytes fit before the 2 MiB disk filled: ${outcome.written}`);
      assert.deepEqual(outcome.writeErrnos, Array<number>(handles).fill(ENOSPC), 'each handle\'s write fails with ENOSPC');
      assert.deepEqual(outcome.closeErrnos, Array<number>(handles).fill(ENOSPC), 'a close that cannot journal the save fails with ENOSPC, it does not claim success');
      assert.equal(emulator.tree.find(`${home}/big-${handles}.bin`), undefined, 'nothing was uploaded unjournaled');

      const problems = events.flatMap((e): Problem[] => (e.kind === 'engine:problem' ? [e.problem] : []));
      assert.equal(problems.length, 1, JSON.stringify(problems));
      assert.equal(problems[0]!.kind, 'other');
      assert.match(problems[0]!.message, /is full/);
      assert.ok(problems[0]!.message.includes(stateHome), 'the problem names the state folder');
      assert.match(problems[0]!.fix ?? '', /free space on the disk holding/);
      const unexplained = events.filter((e) => e.kind === 'engine:log' && /answering EIO/.test(e.message));
      assert.deepEqual(unexplained, [], 'no failure is left unexplained');

      // Space is freed: the next close journals and uploads what the program had written.
      await asRoot('mount', ['-o', 'remount,size=64m', stateHome]);
      const resave = await program('python3', ['-c', RESAVE, target], { timeoutMs: 60_000 });
      assert.equal(resave.stdout.trim(), '0', resave.stderr);
      const uploaded = emulator.tree.contentOf(`${home}/big-${handles}.bin`);
      assert.ok(uploaded !== undefined, 'uploaded after space was freed');
      assert.equal(uploaded.length, outcome.written);
      assert.ok(uploaded.equals(data.subarray(0, outcome.written)), 'the bytes written before the disk filled are intact');
    });
  }

  it('cache off: opening a file to read gets ENOSPC when the state folder has no room for its copy', async () => {
    const content = randomBytes(3 * 1024 * 1024);
    emulator.tree.write(`${home}/to-read.bin`, { kind: 'FILE', content });
    const { events, mountPoint, stateHome } = await mount('read', false);
    await writeFile(join(stateHome, 'ballast'), Buffer.alloc(4 * 1024 * 1024)).catch((error: NodeJS.ErrnoException) => assert.equal(error.code, 'ENOSPC'));
    const full = await program('python3', ['-c', READER, join(mountPoint, 'to-read.bin')], { timeoutMs: 60_000 });
    assert.equal(full.stdout.trim(), `errno ${ENOSPC}`, JSON.stringify(events.filter((e) => e.kind === 'engine:log' || e.kind === 'engine:problem')));
    const problems = events.flatMap((e): Problem[] => (e.kind === 'engine:problem' ? [e.problem] : []));
    assert.equal(problems.length, 1, JSON.stringify(problems));
    assert.match(problems[0]!.message, /is full/);
    await asRoot('mount', ['-o', 'remount,size=64m', stateHome]);
    const freed = await program('python3', ['-c', READER, join(mountPoint, 'to-read.bin')], { timeoutMs: 60_000 });
    assert.equal(freed.stdout.trim(), String(content.length), freed.stderr);
  });
});
