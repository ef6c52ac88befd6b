import type { CampaignInput } from './campaign-definition.js';

/*
 * Campaigns ready to adapt: a definition with a sensible audience, schedule, coupon and message,
 * to be saved with createCampaign (after changing what the shop wants changed).
 */

export interface FirstOrderOfferOptions {
  /** The saved segment of prospects (people who have never ordered): save the ready segment `prospects` first. */
  segment: string;
  /** Saved segments left out, e.g. staff or people who complained. */
  exclude?: string[];
  shopName: string;
  /** What the code gives, in words: `10% off your first order`. */
  offer: string;
  prefix?: string;
}

/**
 * A first-order offer for prospects: an email at 10 o'clock in each prospect's own time zone with
 * a unique code, a recommendation of three best sellers, and the unsubscribe link.
 */
export function firstOrderOffer(o: FirstOrderOfferOptions): CampaignInput {
  return {
    name: `First-order offer: ${o.offer}`,
    description: 'A welcome code for people who have never ordered, each code unique to its recipient.',
    audience: { include: [o.segment], exclude: o.exclude ?? [] },
    schedule: { kind: 'local_hour', hour: 10 },
    coupons: { source: 'generated', prefix: o.prefix ?? 'WELCOME-', length: 8 },
    holdoutShare: 0.1,
    recommendations: 3,
    message: {
      channel: 'email',
      subject: `{{ customer.first_name | default: "Hello" }}, ${o.offer} at ${o.shopName}`,
      text: [
        'Hello {{ customer.first_name | default: "there" }},',
        '',
        `Your code {{ coupon }} gives you ${o.offer} at ${o.shopName}.`,
        '{% if recommendations.size > 0 %}',
        'Our best sellers:',
        '{% for p in recommendations %}- {{ p.name }} ({{ p.price }})',
        '{% endfor %}{% endif %}',
        'Unsubscribe: {{ unsubscribe_url }}',
      ].join('\n'),
      html: [
        '<p>Hello {{ customer.first_name | default: "there" }},</p>',
        `<p>Your code <strong>{{ coupon }}</strong> gives you ${o.offer} at ${o.shopName}.</p>`,
        '{% if recommendations.size > 0 %}<ul>{% for p in recommendations %}<li>{{ p.name }}</li>{% endfor %}</ul>{% endif %}',
        '<p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>',
      ].join('\n'),
    },
  };
}
