/**
 * Versioned schema migrations. Each runs once, in order, inside a transaction, and is recorded
 * in schema_migrations. Never edit a released migration: add a new one.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const consentColumns = (channel: string) => `
  consent_${channel}_granted BOOLEAN,
  consent_${channel}_at TIMESTAMPTZ,
  consent_${channel}_source VARCHAR,`;

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
CREATE TABLE customers (
  id VARCHAR PRIMARY KEY,
  email VARCHAR,
  phone VARCHAR,
  name VARCHAR,
  birthday DATE,
  age INTEGER,
  gender VARCHAR,
  city VARCHAR,
  region VARCHAR,
  postcode VARCHAR,
  country VARCHAR,
  shipping_address JSON,
  billing_address JSON,
  timezone VARCHAR,
  language VARCHAR,
  currency VARCHAR,
  occupation VARCHAR,
  social_identity VARCHAR,
  attributes JSON,
  acquisition_channel VARCHAR,
  referred_by VARCHAR,
  created_at TIMESTAMPTZ,
  ${consentColumns('email')}
  ${consentColumns('sms')}
  ${consentColumns('whatsapp')}
  newsletter BOOLEAN,
  -- set when this record was found to be the same person as another: the surviving customer
  merged_into VARCHAR,
  -- true for a customer known only from an order or event (no customer record imported yet)
  is_stub BOOLEAN NOT NULL DEFAULT false
);
CREATE TABLE identities (
  kind VARCHAR NOT NULL,   -- email | phone | anonymous
  value VARCHAR NOT NULL,
  customer_id VARCHAR NOT NULL,
  linked_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (kind, value)
);
CREATE TABLE consent_history (
  customer_id VARCHAR NOT NULL,
  channel VARCHAR NOT NULL,
  granted BOOLEAN NOT NULL,
  stated_at TIMESTAMPTZ NOT NULL,
  source VARCHAR,
  PRIMARY KEY (customer_id, channel, stated_at)
);
CREATE TABLE products (
  sku VARCHAR PRIMARY KEY,
  name VARCHAR NOT NULL,
  category VARCHAR NOT NULL,
  brand VARCHAR,
  price DECIMAL(18,4) NOT NULL,
  launched_at TIMESTAMPTZ,
  collection VARCHAR,
  consumption_days INTEGER
);
CREATE TABLE locations (
  id VARCHAR PRIMARY KEY,
  name VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,
  city VARCHAR,
  country VARCHAR,
  timezone VARCHAR
);
CREATE TABLE orders (
  id VARCHAR PRIMARY KEY,
  customer_id VARCHAR NOT NULL,
  location_id VARCHAR NOT NULL,
  placed_at TIMESTAMPTZ NOT NULL,
  status VARCHAR NOT NULL,
  currency VARCHAR NOT NULL,
  total DECIMAL(18,4) NOT NULL,
  discount_total DECIMAL(18,4) NOT NULL,
  discount_codes VARCHAR[] NOT NULL,
  -- the buyer as the source named them, before identity resolution
  source_customer_id VARCHAR,
  source_email VARCHAR,
  source_phone VARCHAR
);
CREATE TABLE order_lines (
  order_id VARCHAR NOT NULL,
  line_no INTEGER NOT NULL,
  sku VARCHAR NOT NULL,
  quantity INTEGER NOT NULL,
  unit_price DECIMAL(18,4) NOT NULL,
  line_discount DECIMAL(18,4) NOT NULL,
  PRIMARY KEY (order_id, line_no)
);
CREATE TABLE events (
  message_id VARCHAR PRIMARY KEY,
  customer_id VARCHAR,
  anonymous_id VARCHAR,
  type VARCHAR NOT NULL,
  occurred_at TIMESTAMPTZ NOT NULL,
  properties JSON NOT NULL
);
CREATE TABLE tags (
  customer_id VARCHAR NOT NULL,
  tag VARCHAR NOT NULL,
  source VARCHAR NOT NULL,
  assigned_by VARCHAR NOT NULL,
  assigned_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (customer_id, tag)
);
CREATE TABLE settings (
  key VARCHAR PRIMARY KEY,
  value VARCHAR NOT NULL
);
`,
  },
  {
    version: 2,
    name: 'profile runs',
    sql: `
CREATE TABLE profile_runs (
  id VARCHAR PRIMARY KEY,
  kind VARCHAR NOT NULL,          -- full | incremental
  ran_by VARCHAR NOT NULL,        -- who or what started it: cli, server, schedule, test
  started_at TIMESTAMPTZ NOT NULL,
  finished_at TIMESTAMPTZ,
  as_of TIMESTAMPTZ NOT NULL,     -- data up to this time counts
  status VARCHAR NOT NULL,        -- running | complete | failed
  customers INTEGER,
  config JSON,
  model JSON,                     -- fitted parameters, log-likelihood, fit summary
  error VARCHAR
);
`,
  },
  {
    version: 3,
    name: 'saved segments',
    sql: `
CREATE TABLE segments (
  id VARCHAR PRIMARY KEY,
  name VARCHAR NOT NULL UNIQUE,
  description VARCHAR NOT NULL,
  text VARCHAR NOT NULL,          -- the segment language text as the user wrote it
  ir JSON NOT NULL,               -- the Segment IR it binds to (what is evaluated)
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);
`,
  },
  {
    version: 4,
    name: 'events keyed by a droppable unique index',
    // A PRIMARY KEY can never be dropped in DuckDB; a unique index can. Bulk imports of millions of
    // events drop it, append (skipping stored ones by a hash anti-join), and build it again in one
    // pass, several times cheaper than maintaining it row by row.
    sql: `
CREATE TABLE events_v4 (
  message_id VARCHAR NOT NULL,
  customer_id VARCHAR,
  anonymous_id VARCHAR,
  type VARCHAR NOT NULL,
  occurred_at TIMESTAMPTZ NOT NULL,
  properties JSON NOT NULL
);
INSERT INTO events_v4 SELECT * FROM events;
DROP TABLE events;
ALTER TABLE events_v4 RENAME TO events;
CREATE UNIQUE INDEX events_message_id ON events (message_id);
`,
  },
  {
    version: 5,
    name: 'orders and order lines keyed by droppable unique indexes',
    // As events in version 4. DuckDB 1.5 can bring such an index back from its write-ahead log
    // inconsistent (the next upsert then fails with "Failed to delete all rows from index"), so a
    // store opened after a crash builds its key indexes again (DuckDbStore.open).
    sql: `
CREATE TABLE orders_v5 (
  id VARCHAR NOT NULL,
  customer_id VARCHAR NOT NULL,
  location_id VARCHAR NOT NULL,
  placed_at TIMESTAMPTZ NOT NULL,
  status VARCHAR NOT NULL,
  currency VARCHAR NOT NULL,
  total DECIMAL(18,4) NOT NULL,
  discount_total DECIMAL(18,4) NOT NULL,
  discount_codes VARCHAR[] NOT NULL,
  -- the buyer as the source named them, before identity resolution
  source_customer_id VARCHAR,
  source_email VARCHAR,
  source_phone VARCHAR
);
INSERT INTO orders_v5 SELECT * FROM orders;
DROP TABLE orders;
ALTER TABLE orders_v5 RENAME TO orders;
CREATE UNIQUE INDEX orders_id ON orders (id);
CREATE TABLE order_lines_v5 (
  order_id VARCHAR NOT NULL,
  line_no INTEGER NOT NULL,
  sku VARCHAR NOT NULL,
  quantity INTEGER NOT NULL,
  unit_price DECIMAL(18,4) NOT NULL,
  line_discount DECIMAL(18,4) NOT NULL
);
INSERT INTO order_lines_v5 SELECT * FROM order_lines;
DROP TABLE order_lines;
ALTER TABLE order_lines_v5 RENAME TO order_lines;
CREATE UNIQUE INDEX order_lines_key ON order_lines (order_id, line_no);
`,
  },
  {
    version: 6,
    name: 'write key and API key kept as hashes',
    // Until now the server kept both keys in plain text. Each becomes the JSON its key ring checks
    // keys against (apps/server/src/keys.ts: the SHA-256 of the key's UTF-8 bytes in hex, which is
    // what DuckDB's sha256() gives), so the key keeps working; was_plain lets the server advise
    // rotating it, as copies of the file made before (and free pages in it) still hold it.
    sql: `
UPDATE settings SET value = '{"sha256":"' || sha256(value) || '","was_plain":true}'
WHERE key IN ('key.writeKey', 'key.apiKey') AND value NOT LIKE '{%';
`,
  },
  {
    version: 7,
    name: 'a product may have no category',
    sql: `
ALTER TABLE products ALTER COLUMN category DROP NOT NULL;
`,
  },
  {
    version: 8,
    name: 'live membership: pending customers, due re-checks, members, changes, daily sizes, webhooks',
    // The live engine (packages/live) keeps saved segments' membership current. live_pending is
    // written in the same transaction as the data that touched a customer, so a crash never loses a
    // re-evaluation; segment_members and segment_changes change together in one transaction, so an
    // entry or exit is recorded once, with one id, however often a step is retried.
    sql: `
CREATE TABLE live_pending (
  customer_id VARCHAR NOT NULL,
  cause VARCHAR NOT NULL,          -- what touched them: order, event, customer, tag, identity, import, profile
  ref VARCHAR,                     -- the record: order id, message id, file
  "at" TIMESTAMPTZ NOT NULL        -- when it was accepted ("at" is a DuckDB keyword: quote it)
);
CREATE TABLE live_due (
  customer_id VARCHAR PRIMARY KEY,
  due_at TIMESTAMPTZ NOT NULL      -- the next moment a time-based condition can change for them
);
CREATE TABLE segment_members (
  segment_id VARCHAR NOT NULL,
  customer_id VARCHAR NOT NULL,
  entered_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (segment_id, customer_id)
);
CREATE SEQUENCE segment_change_seq START 1;
CREATE TABLE segment_changes (
  seq BIGINT PRIMARY KEY,          -- the order changes happened in (subscribers resume after a seq)
  id VARCHAR NOT NULL UNIQUE,      -- stable id of this entry or exit, for de-duplication
  segment_id VARCHAR NOT NULL,
  customer_id VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,           -- entered | exited
  "at" TIMESTAMPTZ NOT NULL,       -- when membership changed (the evaluation time; quoted, as above)
  cause VARCHAR NOT NULL,          -- event | time | segment (saved or changed) | recompute
  ref VARCHAR                      -- the record or due time that caused it
);
CREATE TABLE segment_sizes (
  segment_id VARCHAR NOT NULL,
  day DATE NOT NULL,               -- UTC day
  size INTEGER NOT NULL,           -- members at the end of that day (or now, for today)
  PRIMARY KEY (segment_id, day)
);
CREATE TABLE webhook_subscriptions (
  id VARCHAR PRIMARY KEY,
  url VARCHAR NOT NULL,
  secret VARCHAR NOT NULL,         -- HMAC-SHA256 key for the X-Strata-Signature header
  segments JSON,                   -- segment ids it follows; null = all
  after_seq BIGINT NOT NULL,       -- changes up to this seq are delivered (or were before it existed)
  created_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE webhook_deliveries (
  subscription_id VARCHAR NOT NULL,
  seq BIGINT NOT NULL,             -- the first change of the delivery (a delivery carries changes seq..last_seq)
  last_seq BIGINT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at TIMESTAMPTZ,     -- null once delivered
  delivered_at TIMESTAMPTZ,
  last_error VARCHAR,
  PRIMARY KEY (subscription_id, seq)
);
`,
  },
  {
    version: 9,
    name: 'campaigns: definitions, the message log keyed by send id, coupon codes',
    // packages/campaigns. A message row is written (queued) for every audience member when a
    // campaign starts; its id is the deterministic send id (campaign, step, customer), so one
    // customer can never have two messages of one step. It turns 'sending' in a committed
    // transaction before the provider is called, so a crash never loses the fact of an attempt.
    sql: `
CREATE TABLE campaigns (
  id VARCHAR PRIMARY KEY,
  name VARCHAR NOT NULL,
  definition JSON NOT NULL,        -- the CampaignDefinition as validated
  status VARCHAR NOT NULL,         -- draft | running | paused | done
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  started_at TIMESTAMPTZ
);
CREATE TABLE messages (
  id VARCHAR PRIMARY KEY,          -- the send id, also the provider's idempotency key
  campaign_id VARCHAR NOT NULL,
  step VARCHAR NOT NULL,
  customer_id VARCHAR NOT NULL,
  channel VARCHAR NOT NULL,
  status VARCHAR NOT NULL,         -- queued | held_out | skipped | sending | sent | delivered | opened | clicked | failed
  reason VARCHAR,                  -- the guardrails' latest decision (SendReason)
  due_at TIMESTAMPTZ NOT NULL,     -- when it may go next (schedule, quiet hours, retry backoff)
  attempts INTEGER NOT NULL,
  claim VARCHAR,                   -- the sending engine that marked it sending
  sending_at TIMESTAMPTZ,          -- the latest attempt began (what frequency caps count)
  sent_at TIMESTAMPTZ,
  provider_id VARCHAR,
  failure VARCHAR,                 -- retryable | permanent | rate_limited (the last failure)
  error VARCHAR,
  address VARCHAR,                 -- where it went
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE coupons (
  code VARCHAR PRIMARY KEY,        -- upper case; unique across campaigns
  campaign_id VARCHAR NOT NULL,
  source VARCHAR NOT NULL,         -- generated | imported
  customer_id VARCHAR,             -- who got it (null while an imported code waits)
  message_id VARCHAR UNIQUE,       -- the message that carried it
  added_at TIMESTAMPTZ NOT NULL,
  assigned_at TIMESTAMPTZ
);
`,
  },
  {
    version: 10,
    name: 'questionnaires',
    // packages/engagement. The answers are questionnaire_answer events and the options' tags are
    // tags, so only the definitions are kept here.
    sql: `
CREATE TABLE questionnaires (
  id VARCHAR PRIMARY KEY,
  title VARCHAR NOT NULL,
  definition JSON NOT NULL,        -- the Questionnaire as validated (@strata/core)
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);
`,
  },
  {
    version: 11,
    name: "channels: delivery reports as providers post them, customers' last inbound message per channel",
    // Migrations 9 and 10 are taken by work on other branches (campaigns' message log is 9);
    // versions are applied by number, whichever order they land in. message_reports is where the
    // server keeps verified delivery reports (Twilio status callbacks, WhatsApp statuses) while no
    // campaign takes them; a provider repeating a report changes nothing. channel_inbound keeps
    // when each address last wrote, which opens WhatsApp's 24-hour window for free text.
    sql: `
CREATE TABLE message_reports (
  channel VARCHAR NOT NULL,
  provider_id VARCHAR NOT NULL,    -- the provider's message id (Twilio SM…, WhatsApp wamid.…)
  status VARCHAR NOT NULL,         -- a MessageStatus: sent | delivered | opened | failed
  "at" TIMESTAMPTZ NOT NULL,       -- when the provider says it happened (or when it arrived)
  error VARCHAR,
  received_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (channel, provider_id, status)
);
CREATE TABLE channel_inbound (
  channel VARCHAR NOT NULL,
  address VARCHAR NOT NULL,        -- E.164 for sms and whatsapp
  customer_id VARCHAR,             -- who it resolved to when it arrived, if anyone
  last_inbound_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (channel, address)
);
`,
  },
  {
    version: 12,
    name: "automations: definitions with a durable cursor over segment_changes, each customer's progress",
    // packages/automations. An automation reads segment_changes after after_seq; the runs it
    // starts and the cursor move commit together, so an entry starts one run however often a step
    // is retried. A run is one customer's pass through the steps: `step` is the next step to take
    // and due_at when; a send step's queued message commits with the move.
    sql: `
CREATE TABLE automations (
  id VARCHAR PRIMARY KEY,
  name VARCHAR NOT NULL,
  definition JSON NOT NULL,        -- the AutomationDefinition as validated (trigger segment resolved to its id)
  status VARCHAR NOT NULL,         -- active | paused
  after_seq BIGINT NOT NULL,       -- segment_changes up to this seq have been read
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE automation_runs (
  automation_id VARCHAR NOT NULL,
  customer_id VARCHAR NOT NULL,
  entry INTEGER NOT NULL,          -- 1 for a customer's first entry, 2 for the second, …
  change_id VARCHAR NOT NULL,      -- the segment change that started it
  entered_at TIMESTAMPTZ NOT NULL,
  step INTEGER NOT NULL,           -- index of the next step to take
  due_at TIMESTAMPTZ,              -- when; null once finished
  status VARCHAR NOT NULL,         -- active | completed | goal | exited
  finished_at TIMESTAMPTZ,
  updated_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (automation_id, customer_id, entry)
);
`,
  },
  {
    version: 13,
    name: 'staff accounts and scoped API keys',
    // apps/server (staff-directory.ts, api-keys.ts; docs/security.md). A password is kept only as
    // its scrypt hash, with its parameters and salt (`scrypt$N$r$p$salt$hash`, base64url), so the
    // work factor can be raised later without breaking older hashes. A scoped key is kept as its
    // SHA-256 (32 random bytes made here: a fast hash is enough), its first characters to tell
    // keys apart in a list; a revoked key keeps its row so its name and history stay readable.
    sql: `
CREATE TABLE staff (
  email VARCHAR PRIMARY KEY,       -- trimmed, lower-case
  role VARCHAR NOT NULL,           -- a StaffRole (@strata/core): owner | marketer | read_only
  password_hash VARCHAR NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE api_keys (
  id VARCHAR PRIMARY KEY,
  name VARCHAR NOT NULL,
  scope VARCHAR NOT NULL,          -- an ApiKeyScope (@strata/core): read | write
  sha256 VARCHAR NOT NULL,         -- hex SHA-256 of the key
  prefix VARCHAR NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  created_by VARCHAR NOT NULL,     -- the owner (email) or key that made it
  revoked_at TIMESTAMPTZ
);
`,
  },
  {
    version: 14,
    name: 'coupons: redemptions told by a till or shop (POST /v1/coupons/:code/redeem)',
    // packages/campaigns (coupon-redemption.ts). The key on code makes a code used once however
    // many tills ask at the same moment. An order ingested with the code in its discount_codes
    // redeems it too, without a row here; couponState reads both.
    sql: `
CREATE TABLE coupon_redemptions (
  code VARCHAR PRIMARY KEY,        -- upper case, as in coupons
  order_id VARCHAR,                -- the order it was used in, when the till said
  redeemed_at TIMESTAMPTZ NOT NULL
);
`,
  },
  {
    version: 15,
    name: "profile history: each customer's RFM segment and lifecycle stage as full profile runs found them",
    // packages/profiles writes it and packages/reports reads it (the transitions report). A full
    // run adds a row only for a customer whose segment or stage differs from their last row, so
    // the state at any time is the last row at or before it; runs as of an earlier time than the
    // last recorded one add nothing (they would make later rows wrong). No key: a run appends up to
    // a row per customer in one statement, and an index would cost more than the append.
    sql: `
CREATE TABLE profile_history (
  customer_id VARCHAR NOT NULL,
  as_of TIMESTAMPTZ NOT NULL,      -- the run's as-of time
  rfm_segment VARCHAR,             -- null: no orders yet
  lifecycle_stage VARCHAR NOT NULL
);
`,
  },
  {
    version: 16,
    name: 'automations: event and date triggers handled once; tag rules and their history',
    // packages/automations. after_at is how far events, orders and date traits have been read
    // for an automation (null for segment triggers); automation_triggers records each event,
    // order or date occurrence an automation has handled (started a run or refused it), in the
    // transaction that starts the run, so a restart neither misses nor repeats one. A tag rule
    // follows a saved segment through segment_changes after its own cursor; tag_history keeps
    // each tag it added or removed, and when.
    sql: `
ALTER TABLE automations ADD COLUMN after_at TIMESTAMPTZ;
CREATE TABLE automation_triggers (
  automation_id VARCHAR NOT NULL,
  ref VARCHAR NOT NULL,            -- event:<message id> | order:<order id> | <trait>:<date>
  customer_id VARCHAR NOT NULL,
  "at" TIMESTAMPTZ NOT NULL,       -- when it happened (the event, the order, the moment of the date)
  started BOOLEAN NOT NULL,        -- false: refused by the re-entry rule
  PRIMARY KEY (automation_id, ref, customer_id)
);
CREATE TABLE tag_rules (
  tag VARCHAR PRIMARY KEY,
  segment_id VARCHAR NOT NULL,
  after_seq BIGINT NOT NULL,       -- segment_changes up to this seq have been applied
  created_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE tag_history (
  ref VARCHAR NOT NULL,            -- the segment change (or rule:<tag>:<customer> for the members when the rule was made)
  tag VARCHAR NOT NULL,
  customer_id VARCHAR NOT NULL,
  action VARCHAR NOT NULL,         -- added | removed
  "at" TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (ref, tag)
);
`,
  },
];
