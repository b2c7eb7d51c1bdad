// The tray menu as a pure function of state: icon choice, per-workspace submenus with the right
// Mount/Unmount item and enabled flags, the status line, the last problem, and quitting.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { trayModel, type TrayInput, type TrayItem } from '../../src/main/tray/tray-model';
import type { WorkspaceState, WorkspaceView } from '../../src/shared/ipc-contract';

function view(name: string, state: WorkspaceState): WorkspaceView {
  const id = `ws-${name.toLowerCase()}`;
  return { settings: { id, name, host: 'https://x.cloud.databricks.com', auth: { kind: 'token' }, remotePath: '~', mountPoint: `/home/u/Databricks/${name}`, autoMount: false }, state, hasToken: true };
}

function input(overrides: Partial<TrayInput>): TrayInput {
  return { workspaces: [], uploadsInProgress: 0, lastProblem: undefined, quitting: false, platform: 'linux', ...overrides };
}

function submenu(items: TrayItem[], label: RegExp): TrayItem[] {
  const found = items.find((item): item is Extract<TrayItem, { kind: 'submenu' }> => item.kind === 'submenu' && label.test(item.label));
  assert.ok(found, `no submenu ${label}`);
  return found.items;
}

function action(items: TrayItem[], label: string): Extract<TrayItem, { kind: 'action' }> {
  const found = items.find((item): item is Extract<TrayItem, { kind: 'action' }> => item.kind === 'action' && item.label === label);
  assert.ok(found, `no item ${label} in ${JSON.stringify(items.map((i) => ('label' in i ? i.label : '—')))}`);
  return found;
}

const labels = (items: TrayItem[]): string[] => items.map((item) => (item.kind === 'separator' ? '---' : item.label));

describe('tray model', () => {
  it('first run: idle icon, no workspaces, the fixed items', () => {
    const model = trayModel(input({}));
    assert.equal(model.icon, 'idle');
    assert.deepEqual(labels(model.items), ['No workspaces yet', '---', 'Nothing mounted', '---', 'Open wsfs…', 'Settings…', '---', 'Quit wsfs']);
    assert.equal(model.tooltip, 'wsfs — Nothing mounted');
  });

  it('one submenu per workspace with its state and the right toggle', () => {
    const model = trayModel(
      input({ workspaces: [view('Prod', { kind: 'mounted', mountPoint: '/home/u/Databricks/Prod', since: 1 }), view('Dev', { kind: 'stopped' })], platform: 'darwin' }),
    );
    assert.equal(model.icon, 'mounted');
    const prod = submenu(model.items, /^Prod — Mounted$/);
    assert.deepEqual(action(prod, 'Unmount').action, { kind: 'unmount', workspaceId: 'ws-prod' });
    assert.equal(action(prod, 'Open in Finder').enabled, true);
    assert.deepEqual(action(prod, 'Copy mount path').action, { kind: 'copy-path', workspaceId: 'ws-prod' });
    const dev = submenu(model.items, /^Dev — Not mounted$/);
    assert.deepEqual(action(dev, 'Mount').action, { kind: 'mount', workspaceId: 'ws-dev' });
    assert.equal(action(dev, 'Open in Finder').enabled, false);
    assert.ok(labels(model.items).includes('1 workspace mounted · all changes uploaded'));
  });

  it('busy while mounting or uploading; the status line counts uploads', () => {
    assert.equal(trayModel(input({ workspaces: [view('A', { kind: 'starting', attempt: 1 })] })).icon, 'busy');
    const uploading = trayModel(input({ workspaces: [view('A', { kind: 'mounted', mountPoint: '/m', since: 1 })], uploadsInProgress: 3 }));
    assert.equal(uploading.icon, 'busy');
    assert.ok(labels(uploading.items).includes('3 uploads in progress'));
    assert.equal(action(submenu(uploading.items, /^A/), 'Unmount').enabled, true);
    const starting = trayModel(input({ workspaces: [view('A', { kind: 'starting', attempt: 2 })] }));
    assert.equal(action(submenu(starting.items, /^A — Mounting \(attempt 2\)…$/), 'Mount').enabled, false);
  });

  it('problem icon and line for failures, sign-in and the last problem', () => {
    const failed = trayModel(input({ workspaces: [view('A', { kind: 'failed', code: 'engine-crashed', message: 'The engine stopped unexpectedly (signal SIGKILL).', attempts: 1, retryAt: 5 })] }));
    assert.equal(failed.icon, 'problem');
    const a = submenu(failed.items, /^A — Failed — retrying soon$/);
    assert.ok(labels(a).includes('The engine stopped unexpectedly (signal SIGKILL).'));
    assert.ok(action(a, 'Unmount').enabled, 'a pending retry can be cancelled with Unmount');
    const signIn = trayModel(input({ workspaces: [view('B', { kind: 'needs-sign-in', message: 'token expired' })] }));
    assert.equal(action(submenu(signIn.items, /^B — Sign-in needed$/), 'Mount').enabled, true);
    // Signed out while mounted: the mount still serves; it can be opened and unmounted.
    const signedOut = submenu(trayModel(input({ workspaces: [view('B', { kind: 'needs-sign-in', message: 'token revoked', mountPoint: '/m' })] })).items, /^B — Sign-in needed$/);
    assert.equal(action(signedOut, 'Unmount').enabled, true);
    assert.equal(action(signedOut, 'Open in file manager').enabled, true);
    assert.ok(labels(trayModel(input({ workspaces: [view('B', { kind: 'needs-sign-in', message: 'token revoked', mountPoint: '/m' })] })).items).includes('1 workspace mounted · uploads wait for sign-in'));
    const problem = trayModel(
      input({ lastProblem: { id: 'p-1', at: 1, workspaceId: 'ws-a', problem: { kind: 'upload-failed', path: 'notes/a-very-long-file-name-that-goes-on-and-on.py', message: 'Upload of notes/a-very-long-file-name-that-goes-on-and-on.py failed: 403' } } }),
    );
    assert.equal(problem.icon, 'problem');
    const line = labels(problem.items).find((l) => l.startsWith('⚠ Upload failed: '));
    assert.ok(line !== undefined && line.length <= 60 && line.endsWith('…'), line);
  });

  it('while quitting: busy, finishing uploads, nothing clickable but the windows', () => {
    const model = trayModel(input({ workspaces: [view('A', { kind: 'stopping', quitting: true })], quitting: true }));
    assert.equal(model.icon, 'busy');
    assert.equal(action(model.items, 'Finishing uploads…').enabled, false);
    assert.equal(action(submenu(model.items, /^A — Finishing uploads…$/), 'Unmount').enabled, false);
    assert.ok(labels(model.items).includes('Finishing uploads before quitting…'));
  });
});
