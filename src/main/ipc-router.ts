// The gate every renderer request passes: the channel must be one of the contract's, the sender must
// be our own window (its page on the app:// origin), and the argument must pass the channel's run-time check;
// only then does the controller's handler run. Every outcome becomes an IpcResult, so the renderer
// gets a message that names the problem and the fix. Knows nothing of Electron (the glue passes the URL).
import { checkRequest, isInvokeChannel, type IpcError, type IpcResult } from '../shared/ipc-contract';
import { AppError } from './app-error';
import type { AppController } from './app-controller';

/** True if a request from the frame at `url` may be served. */
export type SenderCheck = (url: string) => boolean;

/** A SenderCheck accepting exactly the page `pageUrl` (on the app's `app:` origin, or a `file:` URL), with any hash or query. */
export function samePage(pageUrl: string): SenderCheck {
  const page = new URL(pageUrl);
  if (page.protocol !== 'app:' && page.protocol !== 'file:') throw new TypeError(`the app's page must be an app:// or file:// URL, got ${page.protocol}`);
  return (url) => {
    try {
      const sender = new URL(url);
      return sender.protocol === page.protocol && sender.host === page.host && sender.pathname === page.pathname;
    } catch {
      return false;
    }
  };
}

/** Validates and dispatches invokes to the controller. */
export class IpcRouter {
  constructor(
    private readonly controller: AppController,
    private readonly trusted: SenderCheck,
  ) {}

  /** Handles one invoke from the frame at `senderUrl`. Never throws. */
  async invoke(channel: unknown, request: unknown, senderUrl: string): Promise<IpcResult<unknown>> {
    if (!this.trusted(senderUrl)) return failure('forbidden', `requests are only accepted from the wsfs window, not from ${JSON.stringify(senderUrl)}`);
    if (!isInvokeChannel(channel)) return failure('invalid-argument', `unknown channel ${JSON.stringify(channel)}`);
    let checked: unknown;
    try {
      checked = checkRequest(channel, request);
    } catch (error) {
      return failure('invalid-argument', (error as Error).message);
    }
    try {
      return { ok: true, value: await this.controller.handle(channel, checked as never) };
    } catch (error) {
      if (error instanceof AppError) return failure(error.code, error.message);
      return failure('failed', error instanceof Error ? error.message : String(error));
    }
  }
}

function failure(code: IpcError['code'], message: string): IpcResult<never> {
  return { ok: false, error: { code, message } };
}
