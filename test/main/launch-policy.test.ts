// The window opens at launch only on the first run, and never when the OS started the app at login.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HIDDEN_FLAG, showWindowAtLaunch } from '../../src/main/launch-policy';

describe('launch policy', () => {
  it('shows the window on the first run only, and not when started at login', () => {
    assert.equal(showWindowAtLaunch({ firstRun: true, argv: ['electron', '.'], openedAtLogin: false }), true);
    assert.equal(showWindowAtLaunch({ firstRun: false, argv: ['electron', '.'], openedAtLogin: false }), false);
    assert.equal(showWindowAtLaunch({ firstRun: true, argv: ['wsfs', HIDDEN_FLAG], openedAtLogin: false }), false);
    assert.equal(showWindowAtLaunch({ firstRun: true, argv: ['wsfs'], openedAtLogin: true }), false);
    assert.equal(HIDDEN_FLAG, '--hidden');
  });
});
