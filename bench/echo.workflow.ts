/** The smallest workflow: a baseline for one start-to-result round trip on the same Temporal server. */
export async function echoWorkflow(value: string): Promise<string> {
  return value;
}
