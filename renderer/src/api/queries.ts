/**
 * React Query over the LabApi: queries for lists and state, mutations for actions. A Reply with
 * ok:false becomes a LabCallError that keeps the code, message and issues, so every screen shows
 * the engine's error as it was given, never a generic "failed".
 */
import { useMutation, useQuery, type UseMutationOptions, type UseQueryOptions } from '@tanstack/react-query';
import type { Channel, CodedErrorDto, InvokeInput, InvokeOutputs } from '../../../preload/contract';
import { getLab } from './lab';

export class LabCallError extends Error {
  constructor(
    readonly channel: Channel,
    readonly dto: CodedErrorDto,
  ) {
    super(`${dto.code}: ${dto.message}`);
    this.name = 'LabCallError';
  }
}

/** Any thrown value as the error DTO the banner shows. */
export function toErrorDto(err: unknown): CodedErrorDto {
  if (err instanceof LabCallError) return err.dto;
  return { code: 'RENDERER', message: err instanceof Error ? err.message : String(err) };
}

export async function call<C extends Channel>(channel: C, input: InvokeInput<C>): Promise<InvokeOutputs[C]> {
  const reply = await getLab().invoke(channel, input);
  if (!reply.ok) throw new LabCallError(channel, reply.error);
  return reply.value;
}

export const labKey = <C extends Channel>(channel: C, input?: InvokeInput<C>) =>
  input === undefined ? [channel] : [channel, input];

export function useLabQuery<C extends Channel>(
  channel: C,
  input: InvokeInput<C>,
  options: Omit<UseQueryOptions<InvokeOutputs[C], Error>, 'queryKey' | 'queryFn'> = {},
) {
  return useQuery<InvokeOutputs[C], Error>({
    queryKey: labKey(channel, input),
    queryFn: () => call(channel, input),
    ...options,
  });
}

export function useLabMutation<C extends Channel>(
  channel: C,
  options: Omit<UseMutationOptions<InvokeOutputs[C], Error, InvokeInput<C>>, 'mutationFn'> = {},
) {
  return useMutation<InvokeOutputs[C], Error, InvokeInput<C>>({
    mutationFn: (input) => call(channel, input),
    ...options,
  });
}
