import type { OutgoingMessage } from '@strata/core';

/** Messages as a campaign hands them over, one per channel; the send id shows in each body. */

export function emailMessage(id: string, to: string): OutgoingMessage {
  return {
    id,
    channel: 'email',
    customerId: 'cust-ada',
    to,
    subject: 'Your basket misses you, Ada',
    text: `Hello Ada, your basket is waiting (${id}).`,
    html: `<p>Hello Ada, your basket is waiting (${id}).</p>`,
    headers: {
      'List-Unsubscribe': '<https://shop.example/u/tok123>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  };
}

export function smsMessage(id: string, to: string): OutgoingMessage {
  return {
    id,
    channel: 'sms',
    customerId: 'cust-ada',
    to,
    text: `Lumen: 10% off today, code ADA10 (${id}). Reply STOP to opt out.`,
  };
}

export function whatsAppTemplateMessage(id: string, to: string): OutgoingMessage {
  return {
    id,
    channel: 'whatsapp',
    customerId: 'cust-ada',
    to,
    text: `Hello Ada, your order is ready (${id}).`,
    template: { name: 'order_reminder', language: 'en_GB', parameters: ['Ada', id] },
  };
}
