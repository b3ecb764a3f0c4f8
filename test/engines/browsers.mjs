// The three browser engines a page runs in, each opened headless at a URL by
// its own driver: Chromium (V8) through playwright-core, Firefox ESR
// (SpiderMonkey) through puppeteer-core over WebDriver BiDi, WebKitGTK
// (JavaScriptCore) through selenium-webdriver and WebKitWebDriver, in a
// virtual X display (xvfb-run) when there is no display. Pages report through
// test/engines/relay.mjs, so a driver only opens and closes.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const firstExisting = (...paths) => paths.find((p) => existsSync(p));

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];

/**
 * Each browser: `exe` (path or undefined when missing), `missing` (how to get
 * it), `driver` (the npm package that drives it), `open(url)` resolving to an
 * async close(), and after open, `versionText`.
 */
export const BROWSERS = {
  chromium: {
    exe: firstExisting('/usr/bin/chromium', '/usr/bin/chromium-browser'),
    missing: 'apt-get install chromium',
    driver: 'playwright-core',
    async open(url) {
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({ executablePath: this.exe, headless: true, args: CHROMIUM_ARGS });
      this.versionText = `Chromium ${browser.version()}`;
      const page = await browser.newPage();
      await page.goto(url);
      return () => browser.close();
    },
  },
  firefox: {
    exe: firstExisting('/usr/bin/firefox-esr', '/usr/bin/firefox'),
    missing: 'apt-get install firefox-esr',
    driver: 'puppeteer-core',
    async open(url) {
      const { default: puppeteer } = await import('puppeteer-core');
      const profile = mkdtempSync(join(tmpdir(), 'simdgrad-firefox-'));
      const browser = await puppeteer.launch({ browser: 'firefox', executablePath: this.exe, headless: true, userDataDir: profile, protocolTimeout: 0 });
      this.versionText = (await browser.version()).replace(/^firefox\//i, 'Firefox ');
      const page = await browser.newPage();
      await page.goto(url, { waitUntil: 'domcontentloaded' });
      return async () => {
        await browser.close();
        rmSync(profile, { recursive: true, force: true });
      };
    },
  },
  webkit: {
    exe: firstExisting('/usr/bin/WebKitWebDriver'),
    minibrowser: firstExisting('/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser', '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.0/MiniBrowser', '/usr/libexec/webkit2gtk-4.1/MiniBrowser'),
    missing: 'apt-get install webkit2gtk-driver xvfb',
    driver: 'selenium-webdriver',
    async open(url) {
      if (!this.minibrowser) throw new Error('webkit: WebKitWebDriver is installed but MiniBrowser is not (apt-get install webkit2gtk-driver)');
      const port = await freePort();
      // WebKitGTK needs a display: a virtual one unless the session has one
      const needX = !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
      if (needX && !existsSync('/usr/bin/xvfb-run')) throw new Error('webkit: no display and no xvfb-run (apt-get install xvfb)');
      const cmd = needX ? ['/usr/bin/xvfb-run', '-a', this.exe, `--port=${port}`] : [this.exe, `--port=${port}`];
      const driverProc = spawn(cmd[0], cmd.slice(1), { stdio: 'ignore', detached: true });
      const stop = () => { try { process.kill(-driverProc.pid, 'SIGTERM'); } catch {} };
      try {
        const { Builder, Capabilities } = await import('selenium-webdriver');
        await waitForDriver(port);
        const caps = new Capabilities({ browserName: 'MiniBrowser', 'webkitgtk:browserOptions': { binary: this.minibrowser, args: ['--automation'] } });
        const driver = await new Builder().usingServer(`http://127.0.0.1:${port}`).withCapabilities(caps).build();
        const c = await driver.getCapabilities();
        this.versionText = `WebKitGTK ${c.get('browserVersion')}`;
        await driver.get(url);
        return async () => {
          await driver.quit().catch(() => {});
          stop();
        };
      } catch (e) {
        stop();
        throw e;
      }
    },
  },
};

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitForDriver(port) {
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/status`);
      if (r.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`webkit: WebKitWebDriver did not answer on port ${port} within 10 s`);
}

/** Whether an npm package can be imported from here (drivers are dev dependencies: missing until npm ci). */
export async function installed(pkg) {
  try {
    await import(pkg);
    return true;
  } catch {
    return false;
  }
}
