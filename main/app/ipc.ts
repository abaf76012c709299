/**
 * The one IPC handler (INVOKE_CHANNEL) and the event forwarding to the console windows. Every
 * message is checked against the trusted senders first; the channel and the raw input go to the
 * host, which parses them. The confirm step is a native dialog shown by the main process, so a
 * compromised page cannot click it for the person.
 */
import type { IpcMain, IpcMainInvokeEvent, MessageBoxOptions, WebContents } from 'electron';
import {
  EVENT_CHANNEL_OUTPUT,
  EVENT_CHANNEL_RUN,
  INVOKE_CHANNEL,
  type Reply,
  type RunPreview,
} from '../../preload/contract';
import type { LabHost } from '../host/host';
import { toCodedError } from '../util/errors';
import { DisposableStore, toDisposable, type Disposable } from '../util/event';
import { isAppUrl, isTrustedSender, type SenderInfo } from './security';
import { escapeForDisplay } from '../util/escape';

export interface IpcDeps {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  host: LabHost;
  /** Shows a native message box, modal to the sender's window; resolves with the button index. */
  showMessageBox: (sender: WebContents, options: MessageBoxOptions) => Promise<{ response: number }>;
}

const START_BUTTON = 1;

/** Cancel is the default and the answer to Escape: starting a probe takes a deliberate click. */
export function startDialogOptions(preview: RunPreview): MessageBoxOptions {
  return {
    type: 'warning',
    title: 'Start probe',
    // The same escaped lines the CLI prints and the browser shows: a title or an argument
    // cannot hide what runs behind control or bidi characters in the native dialog either.
    message: `Start "${escapeForDisplay(preview.title)}" (${escapeForDisplay(preview.planId)})?`,
    detail: preview.lines.map(escapeForDisplay).join('\n'),
    buttons: ['Cancel', 'Start'],
    defaultId: 0,
    cancelId: 0,
    noLink: true,
  };
}

function senderInfo(event: IpcMainInvokeEvent): SenderInfo {
  try {
    const frame = event.senderFrame;
    return {
      webContentsId: event.sender.id,
      frame: frame ? { url: frame.url, isMainFrame: frame === event.sender.mainFrame } : null,
    };
  } catch {
    // A frame destroyed mid-message throws on access: nobody to trust.
    return { webContentsId: event.sender.id, frame: null };
  }
}

export class IpcBridge implements Disposable {
  private readonly trusted = new Map<number, WebContents>();
  private readonly store = new DisposableStore();

  constructor(private readonly deps: IpcDeps) {
    deps.ipcMain.handle(INVOKE_CHANNEL, (event, channel: unknown, input: unknown) =>
      this.onInvoke(event, channel, input),
    );
    this.store.add(toDisposable(() => deps.ipcMain.removeHandler(INVOKE_CHANNEL)));
    this.store.add(deps.host.onDidRunEvent((e) => this.broadcast(EVENT_CHANNEL_RUN, e)));
    this.store.add(deps.host.onDidOutput((b) => this.broadcast(EVENT_CHANNEL_OUTPUT, b)));
  }

  /** Trusts a window's web contents we created, until it is destroyed. */
  trust(contents: WebContents): void {
    const id = contents.id;
    this.trusted.set(id, contents);
    contents.once('destroyed', () => this.trusted.delete(id));
  }

  private async onInvoke(
    event: IpcMainInvokeEvent,
    channel: unknown,
    input: unknown,
  ): Promise<Reply<unknown>> {
    if (!isTrustedSender(senderInfo(event), this.trusted)) {
      return {
        ok: false,
        error: { code: 'IPC_UNTRUSTED_SENDER', message: 'IPC message came from an untrusted frame' },
      };
    }
    if (typeof channel !== 'string') {
      return { ok: false, error: { code: 'IPC_INVALID', message: 'Channel name must be a string' } };
    }
    const sender = event.sender;
    const confirm = async (preview: RunPreview): Promise<boolean> =>
      (await this.deps.showMessageBox(sender, startDialogOptions(preview))).response === START_BUTTON;
    try {
      return await this.deps.host.invoke(channel, input, { kind: 'dialog', confirm });
    } catch (err) {
      return { ok: false, error: toCodedError(err) };
    }
  }

  private broadcast(channel: string, payload: unknown): void {
    for (const contents of this.trusted.values()) {
      if (!contents.isDestroyed() && isAppUrl(contents.getURL())) contents.send(channel, payload);
    }
  }

  dispose(): void {
    this.store.dispose();
    this.trusted.clear();
  }
}
