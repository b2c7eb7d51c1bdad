// Child process of keytar-secret-store.test.ts, run inside its own D-Bus session with an unlocked
// GNOME Keyring: exercises KeytarSecretStore against the real Secret Service and prints one JSON
// line with what it observed (never a token: only booleans and lengths). No assertions here.
import { KeytarSecretStore } from '../../src/main/secrets/keytar-secret-store';

async function probe(): Promise<void> {
  const token = process.argv[2] ?? '';
  const store = new KeytarSecretStore('wsfs');
  const other = new KeytarSecretStore('wsfs-other');
  const before = await store.get('ws-probe');
  await store.set('ws-probe', token);
  const roundTrip = (await store.get('ws-probe')) === token;
  const otherService = await other.get('ws-probe');
  await store.set('ws-probe', `${token}-renewed`);
  const replaced = (await store.get('ws-probe')) === `${token}-renewed`;
  const deleted = await store.delete('ws-probe');
  const deletedAgain = await store.delete('ws-probe');
  const after = await store.get('ws-probe');
  process.stdout.write(
    `${JSON.stringify({ before: before === undefined, roundTrip, otherService: otherService === undefined, replaced, deleted, deletedAgain, after: after === undefined })}\n`,
  );
}

probe().catch((error: unknown) => {
  process.stdout.write(`${JSON.stringify({ error: (error as Error).message })}\n`);
  process.exitCode = 1;
});
