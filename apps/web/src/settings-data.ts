import { z } from 'zod';
import {
  ApiKeyCreatedResponse,
  ApiKeyListResponse,
  ChannelListResponse,
  ChannelViewBody,
  ConfigResponse,
  StaffListResponse,
  StaffMember,
  type ApiKeyCreateRequest,
  type StaffAddRequest,
} from '@strata/api';
import type { Channel, StaffRole } from '@strata/core';
import { call, seg } from './api.js';

/*
 * What the settings pages read and change: the store's settings (`/v1/config`), the channels
 * (`/v1/channels`, secrets always masked by the server), staff accounts and scoped API keys
 * (owners only: the server refuses everyone else).
 */

export const readConfig = () => call(ConfigResponse, '/v1/config').then((r) => r.settings);
export const setConfig = (name: string, value: string) =>
  call(ConfigResponse, `/v1/config/${seg(name)}`, { method: 'PUT', body: { value } }).then((r) => r.settings);

export const listChannels = () => call(ChannelListResponse, '/v1/channels');
/** Changes some settings of a channel (null removes one); with `provider`, replaces them all. */
export const changeChannel = (channel: Channel, settings: Record<string, unknown>, replace: boolean) =>
  call(ChannelViewBody, `/v1/channels/${seg(channel)}`, { method: replace ? 'PUT' : 'PATCH', body: settings });

export const listStaff = () => call(StaffListResponse, '/v1/staff').then((r) => r.staff);
export const addStaff = (member: StaffAddRequest) => call(StaffMember, '/v1/staff', { method: 'POST', body: member });
export const changeRole = (email: string, role: StaffRole) =>
  call(StaffMember, `/v1/staff/${seg(email)}`, { method: 'PATCH', body: { role } });
export const removeStaff = (email: string) => call(z.unknown(), `/v1/staff/${seg(email)}`, { method: 'DELETE' });

export const listApiKeys = () => call(ApiKeyListResponse, '/v1/api-keys').then((r) => r.api_keys);
export const createApiKey = (key: ApiKeyCreateRequest) =>
  call(ApiKeyCreatedResponse, '/v1/api-keys', { method: 'POST', body: key });
export const revokeApiKey = (id: string) => call(z.unknown(), `/v1/api-keys/${seg(id)}`, { method: 'DELETE' });
