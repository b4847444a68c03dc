/**
 * Search attributes Mandate sets on its workflows, so operators can filter them in the Temporal UI.
 * They never hold user PII or secrets: workload and provider names are operator-chosen labels.
 */
export const SEARCH_ATTRIBUTES = {
  MandateWorkloadName: 'Keyword',
  MandateProviderName: 'Keyword',
  MandateFlow: 'Keyword',
  MandateState: 'Keyword',
} as const;

export type SearchAttributeName = keyof typeof SEARCH_ATTRIBUTES;
