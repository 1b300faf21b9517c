-- Campaigns, continued: albums to broadcast, and audiences uploaded as a list of ids.

-- The items of albums operators send to an admin group (core.admin.campaign_albums):
-- Telegram delivers an album as separate messages sharing a media_group_id, and a
-- reply names only one of them, so /broadcast finds the others here. Only
-- operators' albums in the group's General topic are kept (a few rows a day).
CREATE TABLE campaign_album_items (
    chat_id        bigint NOT NULL,
    message_id     integer NOT NULL,
    media_group_id text NOT NULL,
    kind           text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chat_id, message_id)
);

CREATE INDEX campaign_album_items_group_idx ON campaign_album_items (chat_id, media_group_id);

-- Lists of users uploaded as a document (core.admin.campaign_id_lists): the
-- segment term file:<id> reaches the users found in list <id>. Kept in rows, not
-- in the campaign's filter: 100,000 ids in a jsonb array would be searched from
-- the start for every user; a primary key is one lookup.
CREATE TABLE campaign_id_lists (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_by bigint NOT NULL,
    file_name  text NOT NULL,
    -- Distinct ids and @usernames the file named, and how many named nobody the bot knows.
    given      integer NOT NULL CHECK (given > 0),
    unknown    integer NOT NULL CHECK (unknown >= 0),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE campaign_id_list_users (
    list_id     bigint NOT NULL REFERENCES campaign_id_lists (id),
    telegram_id bigint NOT NULL,
    PRIMARY KEY (list_id, telegram_id)
);

-- segment_has (0023) with the list term: {"list": <id>}.
CREATE OR REPLACE FUNCTION segment_has(u users, f jsonb, p_service boolean, p_supported text[])
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
       AND (NOT f ? 'list' OR EXISTS (SELECT 1 FROM campaign_id_list_users l
                                      WHERE l.list_id = (f->>'list')::bigint AND l.telegram_id = u.telegram_id))
$$;
