-- Pyrogram's session storage (core/pyrogram_storage.py): one authorization per
-- bot, shared by every process and kept across restarts, so nobody logs in
-- again (a fresh login per dyno start invites FLOOD_WAIT). Columns mirror
-- Pyrogram's own SQLite storage; several bots can share the tables by name.

CREATE TABLE pyrogram_sessions (
    name           text PRIMARY KEY,
    dc_id          integer,
    server_address text,
    port           integer,
    api_id         integer,
    test_mode      boolean,
    auth_key       bytea,
    -- Unix seconds, as Pyrogram writes it; 0 until the first save.
    date           bigint NOT NULL DEFAULT 0,
    user_id        bigint,
    is_bot         boolean
);

-- The peer cache: what turns a bare id, @username or phone into an InputPeer.
CREATE TABLE pyrogram_peers (
    session_name   text NOT NULL REFERENCES pyrogram_sessions (name) ON DELETE CASCADE,
    id             bigint NOT NULL,
    access_hash    bigint,
    -- Pyrogram's names: user, bot, group, direct, channel, forum, supergroup, community.
    type           text NOT NULL,
    phone_number   text,
    -- Lower-cased; a peer can hold several (collectible usernames).
    usernames      text[] NOT NULL DEFAULT '{}',
    -- A username seen long ago may belong to someone else by now.
    last_update_on timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_name, id)
);

CREATE INDEX pyrogram_peers_usernames_idx ON pyrogram_peers USING gin (usernames);
CREATE INDEX pyrogram_peers_phone_idx ON pyrogram_peers (session_name, phone_number)
    WHERE phone_number IS NOT NULL;

-- Update sequence numbers (id 0 is the common box, others are channels).
CREATE TABLE pyrogram_update_state (
    session_name text NOT NULL REFERENCES pyrogram_sessions (name) ON DELETE CASCADE,
    id           bigint NOT NULL,
    pts          integer,
    qts          integer,
    date         integer,
    seq          integer,
    PRIMARY KEY (session_name, id)
);
