/**
 * Each function's memory (MB): deployed by the constructs and read by the local runtime's usage
 * meter, which bills measured durations at these sizes (GB-seconds), so the two cannot drift.
 */
export const functionMemoryMb = {
  intake: 512,
  admin: 512,
  templates: 512,
  signedLinks: 512,
  // Reads an SES event and writes a few counters: the least memory that keeps its cold start short.
  'mail-events': 256,
  advance: 512,
  await: 512,
} as const satisfies Record<string, number>;

export type LeadflowFunctionName = keyof typeof functionMemoryMb;
