import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FsError, LocalDiskError } from '../../src/fs/errors';
import { LocalDiskFailures } from '../../src/fs/write/local-disk-failures';
import type { Problem } from '../../src/shared/problem';

const systemError = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: no space left on device, write`), { code, syscall: 'write', errno: -28 });

describe('local disk failures', () => {
  it('maps a raw local failure, raises one problem per episode, and a recorded save starts a new episode', () => {
    const problems: Problem[] = [];
    const failures = new LocalDiskFailures({ stateDir: '/state/wsfs/1', onProblem: (p) => problems.push(p) });
    const first = failures.check(systemError('ENOSPC'), '/a.txt');
    assert.ok(first instanceof LocalDiskError);
    assert.equal(first.code, 'ENOSPC');
    failures.check(systemError('ENOSPC'), '/b.txt');
    assert.equal(problems.length, 1, 'told once while the disk stays full');
    assert.equal(problems[0]!.kind, 'other');
    assert.match(problems[0]!.message, /\/state\/wsfs\/1 is full/);
    assert.match(problems[0]!.message, /Nothing written before is lost/);
    assert.match(problems[0]!.fix ?? '', /free space on the disk holding \/state\/wsfs\/1/);
    failures.recovered();
    failures.check(systemError('ENOSPC'), '/c.txt');
    assert.equal(problems.length, 2);
  });

  it('a failed read says readers get EIO', () => {
    const problems: Problem[] = [];
    const failures = new LocalDiskFailures({ stateDir: '/s', onProblem: (p) => problems.push(p) });
    assert.equal((failures.check(systemError('ENOSPC'), '/r.bin', 'read') as FsError).code, 'ENOSPC');
    assert.equal(problems.length, 1);
    assert.match(problems[0]!.message, /Programs reading files not copied yet get EIO, programs writing get ENOSPC/);
    assert.match(problems[0]!.message, /then open the file again/);
  });

  it('leaves other errors alone and raises nothing for an unexplained EIO', () => {
    const problems: Problem[] = [];
    const failures = new LocalDiskFailures({ stateDir: '/s', onProblem: (p) => problems.push(p) });
    const own = new FsError('ENOENT', 'gone');
    assert.equal(failures.check(own, '/x'), own);
    const bug = new TypeError('bug');
    assert.equal(failures.check(bug, '/x'), bug);
    assert.equal((failures.check(systemError('EIO'), '/x') as FsError).code, 'EIO');
    assert.equal(problems.length, 0);
  });
});
