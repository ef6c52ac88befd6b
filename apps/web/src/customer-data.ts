import {
  CustomerOrdersResponse,
  CustomerResponse,
  CustomerSegmentsResponse,
  ProfileBody,
  TagsResponse,
} from '@strata/api';
import { call, seg } from './api.js';

/*
 * What the customer page reads and changes. Apart from data.ts so that the schemas only this page
 * needs (tags and their questionnaire vocabulary) load with the page, not with the login page.
 */

export const customerProfile = (id: string) => call(ProfileBody, `/v1/customers/${seg(id)}/profile`);
export const customerRecord = (id: string) => call(CustomerResponse, `/v1/customers/${seg(id)}`);
export const customerOrders = (id: string) => call(CustomerOrdersResponse, `/v1/customers/${seg(id)}/orders?limit=50`);
export const customerTags = (id: string) => call(TagsResponse, `/v1/customers/${seg(id)}/tags`);
export const customerSegments = (id: string) => call(CustomerSegmentsResponse, `/v1/customers/${seg(id)}/segments`);
export const addTag = (id: string, tag: string, by: string) =>
  call(TagsResponse, `/v1/customers/${seg(id)}/tags`, { method: 'POST', body: { tags: [tag], by } });
export const removeTag = (id: string, tag: string) =>
  call(TagsResponse, `/v1/customers/${seg(id)}/tags/${seg(tag)}`, { method: 'DELETE' });
