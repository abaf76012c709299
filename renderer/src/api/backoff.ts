/**
 * Reconnect delays for the event socket: doubling from RECONNECT_BASE_MS up to RECONNECT_MAX_MS.
 * The server is on loopback, so a short first retry recovers a restart quickly, and the cap keeps
 * a dead server from being hammered while the banner says "disconnected".
 */
export const RECONNECT_BASE_MS = 250;
export const RECONNECT_MAX_MS = 8_000;

/** Delay before reconnect attempt `attempt` (0-based), with up to 20% jitter from `random`. */
export function reconnectDelayMs(attempt: number, random: () => number = Math.random): number {
  const exp = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** Math.min(attempt, 16));
  return Math.round(exp * (1 - 0.2 * random()));
}
