// @temporalio/common is deterministic and bundles with the workflows; it holds the typed search attribute keys.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Typed keys of the search attributes registered by the local stack (libs/temporal/search-attributes.ts
 * lists the same names for registration). Values are operator labels and states, never user data.
 */
export const WORKLOAD_NAME = defineSearchAttributeKey('MandateWorkloadName', SearchAttributeType.KEYWORD);
export const PROVIDER_NAME = defineSearchAttributeKey('MandateProviderName', SearchAttributeType.KEYWORD);
export const FLOW = defineSearchAttributeKey('MandateFlow', SearchAttributeType.KEYWORD);
export const STATE = defineSearchAttributeKey('MandateState', SearchAttributeType.KEYWORD);
