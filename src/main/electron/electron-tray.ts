// The tray icon and menu on Electron: renders a TrayModel (tray-model.ts) — the icon for its state
// (template images on macOS), the tooltip and the menu — and sends clicks back as TrayActions.
// Holds no state of its own beyond the last rendered model (an unchanged model is not re-rendered).
import { join } from 'node:path';
import { Menu, nativeImage, Tray, type MenuItemConstructorOptions } from 'electron';
import type { TrayAction, TrayItem, TrayModel } from '../tray/tray-model';
import { assertNever } from '../../shared/assert-never';

/** The tray. */
export class ElectronTray {
  private readonly tray: Tray;
  private lastIcon: string | undefined;
  /** The last rendered model (JSON): usage pushes arrive every second and rarely change the menu. */
  private lastModel = '';

  constructor(
    private readonly iconsDir: string,
    private readonly onAction: (action: TrayAction) => void,
  ) {
    this.tray = new Tray(this.image('idle'));
  }

  /** Shows `model`. */
  render(model: TrayModel): void {
    const json = JSON.stringify(model);
    if (json === this.lastModel) return;
    this.lastModel = json;
    if (model.icon !== this.lastIcon) {
      this.tray.setImage(this.image(model.icon));
      this.lastIcon = model.icon;
    }
    this.tray.setToolTip(model.tooltip);
    this.tray.setContextMenu(Menu.buildFromTemplate(model.items.map((item) => this.toElectron(item))));
  }

  private image(state: string): Electron.NativeImage {
    const mac = process.platform === 'darwin';
    const image = nativeImage.createFromPath(join(this.iconsDir, mac ? `tray-${state}Template.png` : `tray-${state}.png`));
    if (mac) image.setTemplateImage(true);
    return image;
  }

  private toElectron(item: TrayItem): MenuItemConstructorOptions {
    switch (item.kind) {
      case 'label':
        return { label: item.label, enabled: false };
      case 'separator':
        return { type: 'separator' };
      case 'action':
        return { label: item.label, enabled: item.enabled, click: () => this.onAction(item.action) };
      case 'submenu':
        return { label: item.label, submenu: item.items.map((child) => this.toElectron(child)) };
      default:
        return assertNever(item, 'tray item');
    }
  }
}

