/** Figures read from Chromium over CDP for bench/console.ts: CPU per process type, the page's heap. */
import type { Browser, CDPSession } from 'playwright-core';

/**
 * CPU seconds per Chromium process type (renderer, gpu-process, browser...), from CDP: a measure of
 * the page's work that a loaded host does not inflate the way it inflates frame times.
 */
export async function chromiumCpu(browser: Browser): Promise<Map<string, number>> {
  const cdp = await browser.newBrowserCDPSession();
  try {
    const { processInfo } = (await cdp.send('SystemInfo.getProcessInfo')) as {
      processInfo: { type: string; cpuTime: number }[];
    };
    const out = new Map<string, number>();
    for (const p of processInfo) out.set(p.type, (out.get(p.type) ?? 0) + p.cpuTime);
    return out;
  } finally {
    await cdp.detach().catch(() => undefined);
  }
}

/**
 * The page's V8 heap in MB: `collected` forces a full GC first (HeapProfiler.collectGarbage), so
 * the figure is what is live; without it the read costs nothing and includes garbage not yet
 * collected. Forced GCs pause the page, so they are taken only outside the recorded stream.
 */
export async function pageHeapMb(cdp: CDPSession, collected: boolean): Promise<number> {
  if (collected) await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
  return usedSize / 1e6;
}
