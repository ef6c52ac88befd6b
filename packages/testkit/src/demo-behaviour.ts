/*
 * What one demo customer does over the two years: the orders their archetype implies (at shop
 * hours or online in the evening, consumables at their consumption cycle, collections at launch)
 * and the web events around them (sessions before online orders, abandoned carts, browsing,
 * chats, reviews). Everything comes from the customer's own random stream, so customers can be
 * generated one at a time and in any number. This wires the parts together: how the customer
 * shops (demo-shopping.ts), the orders they place (demo-orders.ts) and their events (demo-events.ts).
 */
import type { Rng } from './prng.js';
import type { Persona, World } from './demo-persona.js';
import { EventPlanner, type PlannedEvent } from './demo-events.js';
import { OrderPlanner, type Order } from './demo-orders.js';
import { CustomerShopping } from './demo-shopping.js';
import type { Promotion } from './demo-time.js';

export class CustomerSimulation {
  private readonly orders: OrderPlanner;
  private readonly events: EventPlanner;

  constructor(world: World, rng: Rng, p: Persona, promotions: readonly Promotion[]) {
    const shopping = new CustomerShopping(world, rng, p);
    // The event planner draws from the stream when built (anonymous browsing before sign-up), the
    // order planner does not: this order keeps a seed's files the same.
    this.events = new EventPlanner(shopping);
    this.orders = new OrderPlanner(shopping, promotions, (collection) => this.events.launchBrowsing(collection));
  }

  /** Orders over the window as the archetype dictates, then accessories after durable goods. */
  planOrders(): Order[] {
    return this.orders.planOrders();
  }

  /** The events of this customer, oldest first (after planOrders: lapsed customers stop visiting). */
  planEvents(orders: readonly Order[]): PlannedEvent[] {
    return this.events.planEvents(orders, this.orders.activeUntil);
  }

  /** A visitor who never signs up: anonymous events only. */
  anonymousVisitor(): { anonymousId: string; events: PlannedEvent[] } {
    return this.events.anonymousVisitor();
  }
}
