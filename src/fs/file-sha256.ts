// The sha256 of a local file, streamed (never the whole file in memory): the content cache's
// per-entry checksum and the journal's "was this save already uploaded?" comparison.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** Hex sha256 of the file at `file`; rejects with the read's error. */
export async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
