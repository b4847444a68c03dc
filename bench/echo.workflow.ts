/** The smallest workflow: a baseline for one start-to-result round trip on the same Temporal server. */
export function echoWorkflow(value: string): Promise<string> {
  return Promise.resolve(value);
}
