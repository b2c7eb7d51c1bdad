// Helpers shared by the real-program tests (test/tools/programs-*.test.ts): local scratch trees,
// checksums, bounded polling and a Python errno probe.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkspaceNode } from '../../src/emulator/workspace-tree';
import { program, run, type MountedWorkspace } from '../support/mounted-workspace';

/** A local (not mounted) scratch folder, removed by `dispose`. */
export async function scratch(): Promise<{ dir: string; dispose: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'wsfs-programs-'));
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `sha256sum FILE` through a real program. */
export async function sha256sum(file: string): Promise<string> {
  return (await run('sha256sum', [file], { timeoutMs: 60_000 })).split(' ')[0] ?? '';
}

/** The emulator's node at a path relative to the mounted folder. */
export function remoteNode(mounted: MountedWorkspace, relative: string): WorkspaceNode | undefined {
  return mounted.emulator.tree.find(`${mounted.remotePath}/${relative}`);
}

/** The bytes the emulator holds for a file or notebook (fails the test for anything else). */
export function remoteBytes(mounted: MountedWorkspace, relative: string): Buffer {
  const node = remoteNode(mounted, relative);
  assert.ok(node !== undefined, `${relative} is missing in the emulator`);
  assert.ok(node.kind === 'FILE' || node.kind === 'NOTEBOOK', `${relative} is a ${node.kind}`);
  return node.content;
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns the last result. */
export async function pollUntil(check: () => Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}

/**
 * Runs Python `statement` (with `os`, `errno` and `p = path`) and returns `OK` or the errno name
 * (`e.errno` looked up in `errno.errorcode`) of the OSError it raised.
 */
export async function pythonErrno(statement: string, cwd: string): Promise<string> {
  const script = [
    'import os, errno, sys',
    'try:',
    ...statement.split('\n').map((line) => `    ${line}`),
    "    print('OK')",
    'except OSError as e:',
    "    print(errno.errorcode.get(e.errno, str(e.errno)))",
  ].join('\n');
  const result = await program('python3', ['-c', script], { cwd, timeoutMs: 30_000 });
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.trim();
}

/** Runs a Python script in `cwd`; rejects on a non-zero exit. */
export function python(script: string, cwd: string): Promise<string> {
  return run('python3', ['-c', script], { cwd, timeoutMs: 30_000 });
}
