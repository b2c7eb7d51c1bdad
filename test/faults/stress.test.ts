// Stress through a real mount (issue 4, "Stress and fault suites"), first on a healthy emulator,
// then with the emulator injecting 429s with Retry-After, 503s, connection resets and truncated
// bodies, each with synchronous and with background uploads (checks wait for the journal to
// empty): concurrent readers and writers on many files, rename storms, truncate storms, and
// create/delete churn in one folder. Every workload keeps a model of what each file must hold and
// checks it by sha256 through the mount and in the emulator; with faults, no operation may fail
// (transient faults cost time, never an error). Every loop is bounded in count.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFile, mkdir, open, readdir, readFile, rename, truncate, unlink, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { mulberry32 } from '../../src/emulator/fault-injector';
import type { FaultConfig } from '../../src/emulator/fault-injector';
import { journalSettled, mountWorkspace, type MountedWorkspace } from '../support/mounted-workspace';

const sha = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Deterministic bytes and choices per workload. */
function randomSource(seed: number) {
  const next = mulberry32(seed);
  return {
    int: (below: number): number => Math.floor(next() * below),
    bytes: (length: number): Buffer => {
      const out = Buffer.alloc(length + 4);
      for (let i = 0; i < length; i += 4) out.writeUInt32LE(Math.floor(next() * 2 ** 32), i);
      return out.subarray(0, length);
    },
  };
}

/** Checks that the mount and the emulator both hold exactly `expected` (relative path → sha256), once background uploads settled. */
async function checkFiles(mounted: MountedWorkspace, expected: Map<string, string>): Promise<void> {
  await journalSettled(mounted.stateHome);
  for (const [name, digest] of expected) {
    assert.equal(sha(await readFile(mounted.local(name))), digest, `${name} through the mount`);
    const content = mounted.emulator.tree.contentOf(`${mounted.remotePath}/${name}`);
    assert.ok(content !== undefined, `${name} is in the workspace`);
    assert.equal(sha(content), digest, `${name} in the workspace`);
  }
}

async function readersAndWriters(mounted: MountedWorkspace, dir: string, seed: number): Promise<void> {
  const random = randomSource(seed);
  await mkdir(mounted.local(dir));
  const stable = new Map<string, string>();
  for (let i = 0; i < 10; i++) {
    const data = random.bytes(1 + random.int(96 * 1024));
    await writeFile(mounted.local(`${dir}/stable-${i}`), data);
    stable.set(`${dir}/stable-${i}`, sha(data));
  }
  const stableNames = [...stable.keys()];
  const finals = new Map<string, string>();
  const writers = Array.from({ length: 4 }, async (_, w) => {
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 5; i++) {
        const name = `${dir}/w${w}-${i}`;
        const data = random.bytes(random.int(128 * 1024));
        await writeFile(mounted.local(name), data);
        finals.set(name, sha(data));
      }
    }
  });
  const readers = Array.from({ length: 4 }, async () => {
    for (let k = 0; k < 25; k++) {
      const name = stableNames[random.int(stableNames.length)]!;
      assert.equal(sha(await readFile(mounted.local(name))), stable.get(name), `a concurrent read of ${name}`);
    }
  });
  await Promise.all([...writers, ...readers]);
  await checkFiles(mounted, new Map([...stable, ...finals]));
}

async function renameStorm(mounted: MountedWorkspace, dir: string, seed: number): Promise<void> {
  const random = randomSource(seed);
  await mkdir(mounted.local(dir));
  await mkdir(mounted.local(`${dir}/a`));
  await mkdir(mounted.local(`${dir}/b`));
  const current = new Map<string, { path: string; digest: string }>();
  await Promise.all(
    Array.from({ length: 4 }, async (_, w) => {
      for (let f = 0; f < 3; f++) {
        const key = `w${w}f${f}`;
        const data = random.bytes(1 + random.int(32 * 1024));
        const path = `${dir}/a/${key}-0`;
        await writeFile(mounted.local(path), data);
        current.set(key, { path, digest: sha(data) });
      }
      for (let step = 1; step <= 10; step++) {
        const key = `w${w}f${random.int(3)}`;
        const file = current.get(key)!;
        const to = `${dir}/${random.int(2) === 0 ? 'a' : 'b'}/${key}-${step}`;
        await rename(mounted.local(file.path), mounted.local(to));
        current.set(key, { path: to, digest: file.digest });
      }
    }),
  );
  const expected = new Map([...current.values()].map((file) => [file.path, file.digest]));
  const listed = [...(await readdir(mounted.local(`${dir}/a`))).map((n) => `${dir}/a/${n}`), ...(await readdir(mounted.local(`${dir}/b`))).map((n) => `${dir}/b/${n}`)];
  assert.deepEqual(listed.sort(), [...expected.keys()].sort(), 'every file once, under its last name');
  await checkFiles(mounted, expected);
}

async function truncateStorm(mounted: MountedWorkspace, dir: string, seed: number): Promise<void> {
  const random = randomSource(seed);
  await mkdir(mounted.local(dir));
  const models = new Map<string, Buffer>();
  await Promise.all(
    Array.from({ length: 4 }, async (_, w) => {
      const name = `${dir}/t${w}`;
      let model = random.bytes(random.int(64 * 1024));
      await writeFile(mounted.local(name), model);
      for (let step = 0; step < 12; step++) {
        const size = random.int(80 * 1024);
        switch (random.int(3)) {
          case 0: // truncate(2) by path: cut or extend with zeros
            await truncate(mounted.local(name), size);
            model = size <= model.length ? model.subarray(0, size) : Buffer.concat([model, Buffer.alloc(size - model.length)]);
            break;
          case 1: {
            // ftruncate on an open handle, then a write at the new end
            const tail = random.bytes(1 + random.int(4096));
            const handle = await open(mounted.local(name), 'r+');
            try {
              await handle.truncate(size);
              await handle.write(tail, 0, tail.length, size);
            } finally {
              await handle.close();
            }
            const cut = size <= model.length ? model.subarray(0, size) : Buffer.concat([model, Buffer.alloc(size - model.length)]);
            model = Buffer.concat([cut, tail]);
            break;
          }
          default: {
            const tail = random.bytes(1 + random.int(8192));
            await appendFile(mounted.local(name), tail);
            model = Buffer.concat([model, tail]);
          }
        }
        if (step % 4 === 3) assert.equal(sha(await readFile(mounted.local(name))), sha(model), `${name} after step ${step}`);
      }
      models.set(name, model);
    }),
  );
  await checkFiles(mounted, new Map([...models].map(([name, model]) => [name, sha(model)])));
}

async function churn(mounted: MountedWorkspace, dir: string, seed: number): Promise<void> {
  const random = randomSource(seed);
  await mkdir(mounted.local(dir));
  const survivors = new Map<string, string>();
  await Promise.all(
    Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; i < 18; i++) {
        const name = `${dir}/c${w}-${i}`;
        const data = random.bytes(random.int(16 * 1024));
        await writeFile(mounted.local(name), data);
        assert.equal(sha(await readFile(mounted.local(name))), sha(data), `${name} read back`);
        if (i % 3 !== 0) await unlink(mounted.local(name));
        else survivors.set(name, sha(data));
      }
    }),
  );
  const listed = (await readdir(mounted.local(dir))).map((n) => `${dir}/${n}`).sort();
  assert.deepEqual(listed, [...survivors.keys()].sort(), 'exactly the survivors are listed');
  await checkFiles(mounted, survivors);
  for (let w = 0; w < 4; w++) {
    assert.equal(mounted.emulator.tree.find(`${mounted.remotePath}/${dir}/c${w}-1`), undefined, 'deleted files are gone from the workspace');
  }
}

const WORKLOADS = [
  ['concurrent readers and writers on many files', readersAndWriters],
  ['a rename storm between two folders', renameStorm],
  ['a truncate storm (truncate, ftruncate + write, append)', truncateStorm],
  ['create/delete churn in one folder', churn],
] as const;

/** Transient faults on every endpoint: what a busy or flaky workspace does. */
const TRANSIENT_FAULTS: FaultConfig = {
  seed: 4,
  rules: [
    // (The large counts only make the emulator count how often each rule fired.)
    { probability: 0.01, count: 1e6, fault: { kind: 'error', status: 429, retryAfterSeconds: 1 } },
    { probability: 0.04, count: 1e6, fault: { kind: 'error', status: 503 } },
    { probability: 0.03, count: 1e6, fault: { kind: 'reset' } },
    { endpoint: 'GET *', probability: 0.03, count: 1e6, fault: { kind: 'truncate' } },
  ],
};

for (const [label, faults, args] of [
  ['a healthy workspace', undefined, []],
  ['429 with Retry-After, 503, resets and truncated bodies', TRANSIENT_FAULTS, []],
  ['a healthy workspace, background uploads', undefined, ['--background-uploads']],
  ['429 with Retry-After, 503, resets and truncated bodies, background uploads', TRANSIENT_FAULTS, ['--background-uploads']],
] as const) {
  describe(`stress through a mount: ${label}`, () => {
    let mounted: MountedWorkspace;
    before(async () => {
      mounted = await mountWorkspace({ ttlSeconds: 1, args: [...args] });
      if (faults !== undefined) mounted.emulator.faults.set(faults);
    });
    after(() => mounted.stop());
    /** How many times the fault rules fired so far. */
    const fired = (): number => (mounted.emulator.faults.current().rules ?? []).reduce((sum, rule) => sum + (1e6 - (rule.count ?? 1e6)), 0);

    WORKLOADS.forEach(([name, workload], index) => {
      it(name, async () => {
        const before = fired();
        try {
          await workload(mounted, `stress-${index}`, 100 + index);
        } catch (error) {
          throw new Error(`${String(error)}\nengine log:\n${mounted.engineLog().slice(-4000)}`, { cause: error });
        }
        // Background uploads send fewer requests (a file deleted before its upload sends none), so
        // there a short workload may by chance meet no fault: the check is made for the whole run.
        if (faults !== undefined && args.length === 0) assert.ok(fired() > before, `faults were injected during the workload (${fired() - before})`);
      });
    });
    if (faults !== undefined && args.length > 0) {
      it('faults were injected during these workloads', () => {
        assert.ok(fired() > 0, 'no fault fired');
      });
    }
  });
}
