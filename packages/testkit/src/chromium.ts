/**
 * How tests and benchmarks launch a browser on this kind of machine: Debian's Chromium (apt
 * `chromium`, which `.ci/run` installs), headless, with nothing reaching out to the network on
 * its own. Pass to playwright-core's `chromium.launch`.
 */
export const chromiumLaunchOptions = {
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
} as const;
