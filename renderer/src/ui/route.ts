/**
 * Hash routes: in-page navigation that never leaves the document (the Electron window denies
 * navigation) and survives a reload. One parser and one formatter, so links and parsing agree.
 */
export type Route =
  | { screen: 'probes'; planId: string | null }
  | { screen: 'live'; runId: string | null }
  | { screen: 'history'; reportPath: string | null }
  | { screen: 'settings' };

export function parseRoute(hash: string): Route {
  const [screen = '', ...rest] = hash.replace(/^#\/?/, '').split('/');
  const arg = rest.length > 0 ? safeDecode(rest.join('/')) : null;
  switch (screen) {
    case 'live':
      return { screen: 'live', runId: arg };
    case 'history':
      return { screen: 'history', reportPath: arg };
    case 'settings':
      return { screen: 'settings' };
    default:
      return { screen: 'probes', planId: screen === 'probes' ? arg : null };
  }
}

export function formatRoute(route: Route): string {
  switch (route.screen) {
    case 'probes':
      return route.planId ? `#/probes/${encodeURIComponent(route.planId)}` : '#/probes';
    case 'live':
      return route.runId ? `#/live/${encodeURIComponent(route.runId)}` : '#/live';
    case 'history':
      return route.reportPath ? `#/history/${encodeURIComponent(route.reportPath)}` : '#/history';
    case 'settings':
      return '#/settings';
  }
}

function safeDecode(s: string): string | null {
  try {
    return s === '' ? null : decodeURIComponent(s);
  } catch {
    return null;
  }
}
