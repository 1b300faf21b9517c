-- Campaigns: broadcasts and mass gifts (core/campaigns), sent by the broadcast
-- worker within Telegram's limits, resumable after a crash, in constant memory.

-- Users who turned announcements off with /notifications: left out of every
-- broadcast that is not a service announcement.
ALTER TABLE users ADD COLUMN announcements boolean NOT NULL DEFAULT true;

-- The broadcast lane: the free overall budget at the lowest priority
-- (core/delivery/budgets.py, Lane.BROADCAST). NOT VALID, then validated: a long
-- outbox is checked without holding up the sends being written meanwhile.
ALTER TABLE outbox DROP CONSTRAINT outbox_lane_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_lane_check
    CHECK (lane IN ('normal', 'paid', 'broadcast')) NOT VALID;
ALTER TABLE outbox VALIDATE CONSTRAINT outbox_lane_check;

-- The language a user is written to in, as core.i18n.negotiate decides it: their
-- choice, else their Telegram language's primary subtag, else English; only the
-- catalogs shipped ($3) count. Segments (lang:pt) and notices read it in SQL.
CREATE FUNCTION user_language(p_language text, p_code text, p_supported text[])
    RETURNS text
    LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN p_language = ANY (p_supported) THEN p_language
        WHEN split_part(replace(lower(trim(coalesce(p_code, ''))), '_', '-'), '-', 1) = ANY (p_supported)
            THEN split_part(replace(lower(trim(p_code)), '_', '-'), '-', 1)
        ELSE 'en'
    END
$$;

CREATE TABLE campaigns (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind               text NOT NULL CHECK (kind IN ('broadcast', 'gift')),
    status             text NOT NULL DEFAULT 'draft'
                       CHECK (status IN ('draft', 'scheduled', 'running', 'paused', 'done', 'cancelled')),
    -- Every change of what a draft will do counts up: a Confirm button names the
    -- version it showed, so an older preview's button cannot start a changed draft.
    version            integer NOT NULL DEFAULT 1,
    created_by         bigint NOT NULL,
    -- Where the operator works: the progress message goes there.
    chat_id            bigint NOT NULL,
    thread_id          integer,
    -- The audience, as the operator typed it (core.campaigns.segments, canonical form).
    segment            text NOT NULL DEFAULT 'all',
    -- The same, parsed: what segment_has() reads.
    filter             jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- A service announcement reaches those who turned announcements off.
    service            boolean NOT NULL DEFAULT false,
    lane               text NOT NULL DEFAULT 'broadcast' CHECK (lane IN ('broadcast', 'paid')),
    -- Broadcast: the message(s) copied to every recipient, and URL buttons.
    source_chat_id     bigint,
    source_message_ids integer[],
    source_kind        text,
    buttons            jsonb,
    -- Gift: per recipient, and the notice in each user's language.
    credits            integer NOT NULL DEFAULT 0 CHECK (credits >= 0),
    pass_days          integer NOT NULL DEFAULT 0 CHECK (pass_days >= 0),
    reason             text,
    notice             boolean NOT NULL DEFAULT false,
    notice_texts       jsonb,
    -- Users with an id up to this one are the audience (the preview's users):
    -- who joins later is not in a campaign previewed before.
    last_user_id       bigint,
    -- Recipients the preview counted.
    audience           bigint,
    -- Selection into campaign_recipients, in keyset chunks of users.id.
    selected_through   bigint NOT NULL DEFAULT 0,
    selection_done     boolean NOT NULL DEFAULT false,
    selected           bigint NOT NULL DEFAULT 0,
    -- Gift: recipients granted (credits and pass recorded).
    granted            bigint NOT NULL DEFAULT 0,
    -- Deliveries settled, by outcome.
    sent               bigint NOT NULL DEFAULT 0,
    failed             bigint NOT NULL DEFAULT 0,
    blocked            bigint NOT NULL DEFAULT 0,
    scheduled_at       timestamptz,
    started_at         timestamptz,
    finished_at        timestamptz,
    -- The operator's progress message: its outbox row, then the id Telegram gave it.
    progress_outbox_id bigint,
    progress_message_id integer,
    progress_at        timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CHECK (kind <> 'broadcast' OR source_message_ids IS NOT NULL),
    CHECK (kind <> 'gift' OR credits > 0 OR pass_days > 0)
);

CREATE INDEX campaigns_history_idx ON campaigns (id DESC) WHERE status <> 'draft';

-- One row per recipient and campaign: a restarted worker never sends twice and
-- never loses anyone. queued -> sending (its outbox row written) -> sent |
-- failed | blocked. A gift's row is written when the grant is recorded (then
-- 'granted', or 'queued' for its notice).
CREATE TABLE campaign_recipients (
    campaign_id bigint NOT NULL,
    -- No foreign keys: users are never deleted, campaigns neither, and a million
    -- checks would double the selection's cost.
    user_id     bigint NOT NULL,
    telegram_id bigint NOT NULL,
    -- Gift without a notice: queued -> granted; with one: granted_at set, then as a broadcast.
    status      text NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'blocked', 'granted')),
    outbox_id   bigint,
    -- Gift: when the credits were recorded (the ledger row's key names the campaign).
    granted_at  timestamptz,
    -- Why its message failed (Telegram's refusal), for the CSV export.
    error       text,
    updated_at  timestamptz,
    PRIMARY KEY (campaign_id, user_id)
);

-- The next recipients to send to, and those in flight (a few hundred at most).
CREATE INDEX campaign_recipients_queued_idx ON campaign_recipients (campaign_id, user_id)
    WHERE status = 'queued';
CREATE INDEX campaign_recipients_sending_idx ON campaign_recipients (campaign_id, outbox_id)
    WHERE status = 'sending';

-- Broadcast messages kept to start from later.
CREATE TABLE campaign_templates (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name               text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 60),
    source_chat_id     bigint NOT NULL,
    source_message_ids integer[] NOT NULL,
    source_kind        text NOT NULL,
    buttons            jsonb,
    created_by         bigint NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX campaign_templates_name_idx ON campaign_templates (lower(name));



-- Who is in a segment (core.accounts.segments): one definition for the preview's
-- count and the campaign's selection. Banned users and users who blocked the bot
-- are never in one; $3 (service) reaches those who turned announcements off.
CREATE FUNCTION segment_has(u users, f jsonb, p_service boolean, p_supported text[])
    RETURNS boolean
    LANGUAGE sql STABLE AS $$
    SELECT NOT u.is_banned AND u.blocked_bot_at IS NULL
       AND (p_service OR u.announcements)
       AND (NOT f ? 'active_days'
            OR u.last_seen_at >= now() - make_interval(days => (f->>'active_days')::int))
       AND (NOT f ? 'tier' OR u.tier = f->>'tier')
       AND (NOT f ? 'lang' OR user_language(u.language, u.language_code, p_supported) = f->>'lang')
       AND (NOT f ? 'paid' OR (u.first_paid_at IS NOT NULL) = (f->>'paid')::boolean)
       AND (NOT f ? 'pass' OR (u.pass_expires_at > now()) IS TRUE = (f->>'pass')::boolean)
       AND (NOT f ? 'balance_under' OR u.credits < (f->>'balance_under')::bigint)
       AND (NOT f ? 'balance_over' OR u.credits > (f->>'balance_over')::bigint)
       AND (NOT f ? 'joined_from' OR u.created_at >= (f->>'joined_from')::date)
       AND (NOT f ? 'joined_to' OR u.created_at < (f->>'joined_to')::date + 1)
       AND (NOT f ? 'ids' OR f->'ids' @> to_jsonb(u.telegram_id))
$$;
