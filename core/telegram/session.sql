-- name: session_ensure
-- Insert-if-absent: never touches a row another process already filled.
INSERT INTO pyrogram_sessions (name) VALUES ($1) ON CONFLICT (name) DO NOTHING;

-- name: session_get
SELECT dc_id, server_address, port, api_id, test_mode, auth_key, date, user_id, is_bot
FROM pyrogram_sessions WHERE name = $1;

-- name: session_delete
-- Peers and update states go with it (ON DELETE CASCADE).
DELETE FROM pyrogram_sessions WHERE name = $1;

-- One setter per column: a process writes only the field Pyrogram changed,
-- so a process that did not log in never writes the auth key back. The WHERE
-- skips the write when the value is already there.

-- name: session_login_lock
-- Session-level advisory lock: held by the one process logging in, and let go
-- by Postgres if that process dies.
SELECT pg_advisory_lock(hashtextextended('pyrogram_session:' || $1::text, 0));

-- name: session_login_unlock
SELECT pg_advisory_unlock(hashtextextended('pyrogram_session:' || $1::text, 0));

-- name: session_peer_upsert
-- Usernames are left alone here: Pyrogram sends them separately (update_usernames).
-- A missing access hash keeps the known one, which stays valid for this authorization.
INSERT INTO pyrogram_peers AS p (session_name, id, access_hash, type, phone_number)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (session_name, id) DO UPDATE
SET access_hash = COALESCE(EXCLUDED.access_hash, p.access_hash),
    type = EXCLUDED.type,
    phone_number = EXCLUDED.phone_number,
    last_update_on = now();

-- name: session_peer_set_usernames
UPDATE pyrogram_peers SET usernames = $3 WHERE session_name = $1 AND id = $2;

-- name: session_peer_by_id
SELECT id, access_hash, type FROM pyrogram_peers WHERE session_name = $1 AND id = $2;

-- name: session_peer_by_username
-- The newest holder wins; "fresh" is false once the entry is older than $3 seconds.
SELECT id, access_hash, type,
       last_update_on > now() - make_interval(secs => $3) AS fresh
FROM pyrogram_peers
WHERE session_name = $1 AND usernames @> ARRAY[lower($2)]
ORDER BY last_update_on DESC
LIMIT 1;

-- name: session_peer_by_phone_number
SELECT id, access_hash, type
FROM pyrogram_peers
WHERE session_name = $1 AND phone_number = $2
ORDER BY last_update_on DESC
LIMIT 1;

-- name: session_update_states
-- $2 NULL means every state. Oldest first, as Pyrogram's SQLite storage returns them.
SELECT id, pts, qts, date, seq
FROM pyrogram_update_state
WHERE session_name = $1 AND ($2::bigint[] IS NULL OR id = ANY($2::bigint[]))
ORDER BY date ASC NULLS FIRST, id;

-- name: session_update_state_upsert
-- A field left out (NULL) keeps its stored value.
INSERT INTO pyrogram_update_state AS u (session_name, id, pts, qts, date, seq)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (session_name, id) DO UPDATE
SET pts = COALESCE(EXCLUDED.pts, u.pts),
    qts = COALESCE(EXCLUDED.qts, u.qts),
    date = COALESCE(EXCLUDED.date, u.date),
    seq = COALESCE(EXCLUDED.seq, u.seq);

-- name: session_update_state_delete
DELETE FROM pyrogram_update_state WHERE session_name = $1 AND id = ANY($2::bigint[]);

-- name: session_set_dc_id
INSERT INTO pyrogram_sessions AS s (name, dc_id) VALUES ($1, $2)
ON CONFLICT (name) DO UPDATE SET dc_id = EXCLUDED.dc_id
WHERE s.dc_id IS DISTINCT FROM EXCLUDED.dc_id;

-- name: session_set_server_address
INSERT INTO pyrogram_sessions AS s (name, server_address) VALUES ($1, $2)
ON CONFLICT (name) DO UPDATE SET server_address = EXCLUDED.server_address
WHERE s.server_address IS DISTINCT FROM EXCLUDED.server_address;

-- name: session_set_port
INSERT INTO pyrogram_sessions AS s (name, port) VALUES ($1, $2)
ON CONFLICT (name) DO UPDATE SET port = EXCLUDED.port
WHERE s.port IS DISTINCT FROM EXCLUDED.port;

-- name: session_set_api_id
INSERT INTO pyrogram_sessions AS s (name, api_id) VALUES ($1, $2)
ON CONFLICT (name) DO UPDATE SET api_id = EXCLUDED.api_id
WHERE s.api_id IS DISTINCT FROM EXCLUDED.api_id;

-- name: session_set_test_mode
INSERT INTO pyrogram_sessions AS s (name, test_mode) VALUES ($1, $2)
ON CONFLICT (name) DO UPDATE SET test_mode = EXCLUDED.test_mode
WHERE s.test_mode IS DISTINCT FROM EXCLUDED.test_mode;

-- name: session_set_auth_key
INSERT INTO pyrogram_sessions AS s (name, auth_key) VALUES ($1, $2)
ON CONFLICT (name) DO UPDATE SET auth_key = EXCLUDED.auth_key
WHERE s.auth_key IS DISTINCT FROM EXCLUDED.auth_key;

-- name: session_set_date
INSERT INTO pyrogram_sessions AS s (name, date) VALUES ($1, $2)
ON CONFLICT (name) DO UPDATE SET date = EXCLUDED.date
WHERE s.date IS DISTINCT FROM EXCLUDED.date;

-- name: session_set_user_id
INSERT INTO pyrogram_sessions AS s (name, user_id) VALUES ($1, $2)
ON CONFLICT (name) DO UPDATE SET user_id = EXCLUDED.user_id
WHERE s.user_id IS DISTINCT FROM EXCLUDED.user_id;

-- name: session_set_is_bot
INSERT INTO pyrogram_sessions AS s (name, is_bot) VALUES ($1, $2)
ON CONFLICT (name) DO UPDATE SET is_bot = EXCLUDED.is_bot
WHERE s.is_bot IS DISTINCT FROM EXCLUDED.is_bot;
