// Request bodies for uploads, streamed from disk so that memory stays bounded whatever the file
// size: the raw bytes of an UploadSource, and a multipart/form-data body for `workspace/import`
// (form fields first, then the file part). Every attempt opens a fresh stream. No HTTP here.
import { randomBytes } from 'node:crypto';
import { open as openFile, type FileHandle } from 'node:fs/promises';
import type { RequestBody } from './http-transport';
import type { UploadSource } from './remote-workspace';

const CHUNK_BYTES = 256 * 1024;

/** The byte length of an upload source. */
export function sourceSize(source: UploadSource): number {
  return 'bytes' in source ? source.bytes.length : source.size;
}

/** The raw bytes of `source` as a request body (a file is streamed, never read whole). */
export function uploadBody(source: UploadSource, contentType = 'application/octet-stream'): RequestBody {
  if ('bytes' in source) return { kind: 'bytes', bytes: source.bytes, contentType };
  return { kind: 'stream', open: () => fileStream(source.file, source.onProgress), length: source.size, contentType };
}

/**
 * A multipart/form-data body with text `fields` and the bytes of `source` as the file part
 * `fileField`, with its exact Content-Length (the file part is streamed).
 */
export function multipartBody(fields: Record<string, string>, fileField: string, source: UploadSource): RequestBody {
  const boundary = `----wsfs${randomBytes(12).toString('hex')}`;
  let head = '';
  for (const [name, value] of Object.entries(fields)) {
    head += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  }
  head += `--${boundary}\r\nContent-Disposition: form-data; name="${fileField}"; filename="${fileField}"\r\n`;
  head += 'Content-Type: application/octet-stream\r\n\r\n';
  const prefix = Buffer.from(head, 'utf8');
  const suffix = Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8');
  return {
    kind: 'stream',
    length: prefix.length + sourceSize(source) + suffix.length,
    contentType: `multipart/form-data; boundary=${boundary}`,
    open: () => concatStreams([() => oneChunk(prefix), () => sourceStream(source), () => oneChunk(suffix)]),
  };
}

function sourceStream(source: UploadSource): ReadableStream<Uint8Array> {
  return 'bytes' in source ? oneChunk(source.bytes) : fileStream(source.file, source.onProgress);
}

/**
 * A file as a pull stream: one chunk is read only when the consumer asks for it (no read-ahead
 * queue), so at most a chunk or two of the file is in memory at a time.
 */
function fileStream(file: string, onProgress?: (sent: number) => void): ReadableStream<Uint8Array> {
  let handle: FileHandle | undefined;
  let position = 0;
  const close = async (): Promise<void> => {
    const open = handle;
    handle = undefined;
    await open?.close();
  };
  return new ReadableStream<Uint8Array>(
    {
      async start() {
        handle = await openFile(file, 'r');
        onProgress?.(0);
      },
      async pull(controller) {
        if (handle === undefined) return;
        const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
        if (bytesRead === 0) {
          await close();
          controller.close();
          return;
        }
        position += bytesRead;
        controller.enqueue(buffer.subarray(0, bytesRead));
        onProgress?.(position);
      },
      async cancel() {
        await close();
      },
    },
    { highWaterMark: 0 },
  );
}

function oneChunk(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (bytes.length > 0) controller.enqueue(bytes);
      controller.close();
    },
  });
}

/** The streams one after another, each opened only when the previous one ended. */
function concatStreams(parts: Array<() => ReadableStream<Uint8Array>>): ReadableStream<Uint8Array> {
  let index = 0;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        if (reader === undefined) {
          const next = parts[index++];
          if (next === undefined) {
            controller.close();
            return;
          }
          reader = next().getReader();
        }
        const { done, value } = await reader.read();
        if (!done) {
          controller.enqueue(value);
          return;
        }
        reader = undefined;
      }
    },
    async cancel(reason) {
      await reader?.cancel(reason);
    },
  });
}
