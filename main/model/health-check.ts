/**
 * How a target's responsiveness is checked at each pulse: the bundled protocol's ping, output
 * activity, liveness, or a service check (http, tcp, exec). Addresses are loopback only, refused at
 * parse time otherwise: a health check never sends traffic off the machine.
 */
import { z } from 'zod';

const LOOPBACK_ONLY =
  'must be a loopback address (127.0.0.0/8, ::1 or localhost): health checks never send traffic off the machine';

/**
 * 127.0.0.0/8, ::1 or localhost, after the WHATWG URL parser normalised the spelling (127.1,
 * 0x7f000001 and [0:0:0:0:0:0:0:1] become 127.0.0.1 and [::1]); anything else is refused.
 */
export function isLoopbackHost(host: string): boolean {
  let h: string;
  try {
    h = new URL(`http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}/`).hostname;
  } catch {
    return false;
  }
  return h === 'localhost' || h === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** An http:// URL on a loopback host, with no credentials in it. */
export function isLoopbackUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' && !u.username && !u.password && isLoopbackHost(u.hostname);
  } catch {
    return false;
  }
}

/** How a target's responsiveness is checked at each pulse. */
export const HealthCheckSchema = z.discriminatedUnion('type', [
  // Writes `@lab ping <nonce>` to the target's input and waits for `@lab {"type":"pong","nonce":...}`.
  z.object({ type: z.literal('ping') }).strict(),
  // The target counts as responsive when it printed anything within the window.
  z.object({ type: z.literal('output'), withinSec: z.number().positive().max(3600).default(10) }).strict(),
  // Liveness only: the process tree exists and is not stopped.
  z.object({ type: z.literal('alive') }).strict(),
  // GET a URL the target serves on loopback: status and time to the response head.
  z
    .object({
      type: z.literal('http'),
      url: z.string().max(2048).refine(isLoopbackUrl, LOOPBACK_ONLY),
      expectStatus: z
        .union([
          z.number().int().min(100).max(599),
          z
            .object({ min: z.number().int().min(100).max(599), max: z.number().int().min(100).max(599) })
            .strict(),
        ])
        .default({ min: 200, max: 399 }),
      timeoutSec: z.number().positive().max(60).optional(),
    })
    .strict(),
  // Connect to a loopback port; the connect time is the round trip.
  z
    .object({
      type: z.literal('tcp'),
      port: z.number().int().min(1).max(65535),
      host: z.string().max(255).refine(isLoopbackHost, LOOPBACK_ONLY).default('127.0.0.1'),
      timeoutSec: z.number().positive().max(60).optional(),
    })
    .strict(),
  // An allowlisted command run in the target's env and folder: exit code 0 means responsive.
  z
    .object({
      type: z.literal('exec'),
      command: z.string().min(1).max(4096),
      args: z.array(z.string().max(4096)).max(64).default([]),
      timeoutSec: z.number().positive().max(60).optional(),
    })
    .strict(),
]);
export type HealthCheck = z.infer<typeof HealthCheckSchema>;
