import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { z } from 'zod';
import type { Config } from '../../../../libs/config/config';
import { assertOutboundUrlField } from '../../../../libs/wire/outbound-url-field';
import { WEBHOOK_EVENT_TYPES } from '../../../../libs/webhooks/events';
import {
  WebhooksRepository,
  type WebhookDelivery,
  type WebhookSubscription,
} from '../../../../libs/webhooks/webhooks.repository';
import {
  ConflictException,
  ResourceNotFoundException,
  ValidationException,
} from '../../../../libs/wire/errors';
import { paginate } from '../../../../libs/wire/pagination';
import { parseInput } from '../../../../libs/wire/validation';
import { CONFIG } from '../tokens';
import { Operation } from '../wire/operation.decorator';

const name = z
  .string({ error: 'is required and must be a string' })
  .regex(
    /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$/,
    'must be 1-64 letters, digits, - or _, starting with a letter or digit',
  );
const events = z
  .array(z.enum(WEBHOOK_EVENT_TYPES), { error: `must list event types: ${WEBHOOK_EVENT_TYPES.join(', ')}` })
  .min(1, 'must name at least one event type')
  .max(WEBHOOK_EVENT_TYPES.length);
const url = z.string().min(1).max(2048);
const description = z.string().max(1024);
const page = {
  maxResults: z.number().int().min(1).max(100).optional(),
  nextToken: z.string().min(1).max(2048).optional(),
};

const createInput = z.object({ name, url, events, description: description.optional() });
const nameInput = z.object({ name });
const updateInput = z.object({
  name,
  url: url.optional(),
  events: events.optional(),
  description: description.optional(),
});
const rotateInput = z.object({
  name,
  /** How long the old secret keeps signing, so receivers can switch: a day by default, at most a week. */
  overlapSeconds: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400)
    .optional(),
});
const listInput = z.object(page);
const deliveriesInput = z.object({ subscriptionName: name, ...page });

function describe(subscription: WebhookSubscription) {
  return {
    name: subscription.name,
    url: subscription.url,
    events: subscription.events,
    ...(subscription.description !== undefined ? { description: subscription.description } : {}),
    ...(subscription.previousUntil
      ? { previousSecretExpiresTime: subscription.previousUntil.toISOString() }
      : {}),
    createdTime: subscription.createdAt.toISOString(),
    lastUpdatedTime: subscription.updatedAt.toISOString(),
  };
}

function describeDelivery(delivery: WebhookDelivery) {
  return {
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    state: delivery.state,
    attempts: delivery.attempts,
    ...(delivery.lastStatus !== undefined ? { lastStatusCode: delivery.lastStatus } : {}),
    ...(delivery.lastError !== undefined ? { lastError: delivery.lastError } : {}),
    createdTime: delivery.createdAt.toISOString(),
    lastUpdatedTime: delivery.updatedAt.toISOString(),
  };
}

/** Only for operators, checked on `*`: the policies that allow them name the actions. */
const ANY = {};

/**
 * Mandate extensions: webhook subscriptions (signed, Standard Webhooks, delivered durably by a
 * workflow per subscription) and what was delivered to them. A subscription's signing secret is
 * answered once, when created or rotated.
 */
@Controller('identities')
export class WebhooksController {
  constructor(
    @Inject(WebhooksRepository) private readonly webhooks: WebhooksRepository,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  @Post('CreateWebhookSubscription')
  @HttpCode(201)
  @Operation('CreateWebhookSubscription', ANY)
  async create(@Body() body: unknown) {
    const input = parseInput(createInput, body);
    this.checkUrl(input.url);
    const created = await this.webhooks.create(input, new Date());
    if (!created) throw new ConflictException(`Webhook subscription ${input.name} already exists`);
    return { ...describe(created.subscription), secret: created.secret };
  }

  @Post('GetWebhookSubscription')
  @HttpCode(200)
  @Operation('GetWebhookSubscription', ANY)
  async get(@Body() body: unknown) {
    return describe(await this.find(parseInput(nameInput, body).name));
  }

  @Post('ListWebhookSubscriptions')
  @HttpCode(200)
  @Operation('ListWebhookSubscriptions', ANY)
  async list(@Body() body: unknown) {
    const input = parseInput(listInput, body ?? {});
    const found = await paginate(input, 50, (limit, after) => this.webhooks.page(limit + 1, after));
    return { subscriptions: found.items.map(describe), ...found.next };
  }

  @Post('UpdateWebhookSubscription')
  @HttpCode(200)
  @Operation('UpdateWebhookSubscription', ANY)
  async update(@Body() body: unknown) {
    const { name: subscription, ...changes } = parseInput(updateInput, body);
    if (changes.url !== undefined) this.checkUrl(changes.url);
    const updated = await this.webhooks.update(subscription, changes, new Date());
    if (!updated) throw notFound(subscription);
    return describe(updated);
  }

  @Post('DeleteWebhookSubscription')
  @HttpCode(200)
  @Operation('DeleteWebhookSubscription', ANY)
  async delete(@Body() body: unknown) {
    const subscription = parseInput(nameInput, body).name;
    if (!(await this.webhooks.delete(subscription))) throw notFound(subscription);
    return {};
  }

  @Post('RotateWebhookSecret')
  @HttpCode(200)
  @Operation('RotateWebhookSecret', ANY)
  async rotate(@Body() body: unknown) {
    const input = parseInput(rotateInput, body);
    const now = new Date();
    const until = new Date(now.getTime() + (input.overlapSeconds ?? 86_400) * 1000);
    const rotated = await this.webhooks.rotate(input.name, until, now);
    if (!rotated) throw notFound(input.name);
    return { ...describe(rotated.subscription), secret: rotated.secret };
  }

  @Post('ListWebhookDeliveries')
  @HttpCode(200)
  @Operation('ListWebhookDeliveries', ANY)
  async deliveries(@Body() body: unknown) {
    const input = parseInput(deliveriesInput, body);
    await this.find(input.subscriptionName);
    const found = await paginate(input, 50, async (limit, after) =>
      (await this.webhooks.deliveries(input.subscriptionName, limit + 1, position(after))).map(
        (delivery) => ({ name: String(delivery.position), delivery }),
      ),
    );
    return { deliveries: found.items.map(({ delivery }) => describeDelivery(delivery)), ...found.next };
  }

  private async find(subscription: string): Promise<WebhookSubscription> {
    const found = await this.webhooks.find(subscription);
    if (!found) throw notFound(subscription);
    return found;
  }

  /** A receiver must be reachable under the outbound URL guard: https, public, no credentials. */
  private checkUrl(raw: string): void {
    assertOutboundUrlField(raw, 'url', this.config.outbound);
  }
}

/** A page token's position in the delivery queue. */
const position = (after: string | undefined): number | undefined => {
  if (after === undefined) return undefined;
  const at = Number(after);
  if (!Number.isSafeInteger(at))
    throw ValidationException.field('nextToken', 'is not a token this operation issued');
  return at;
};

const notFound = (subscription: string) =>
  new ResourceNotFoundException(`Webhook subscription ${subscription} does not exist`);
