-- name: runner_load
SELECT * FROM campaigns WHERE id = $1;

-- name: runner_select
-- The next window of user ids (keyset on users.id, bounded by the preview's
-- newest user): the window's members become recipients. A fixed window of ids,
-- not of members, so a sparse segment never makes one statement scan the whole
-- table. Returns the recipients added (at most the window: constant memory).
WITH picked AS (
    SELECT u.id, u.telegram_id FROM users u
    WHERE u.id > $2 AND u.id <= least($3, $2 + $4)
      AND segment_has(u, $5::jsonb, $6, $7::text[])
), added AS (
    INSERT INTO campaign_recipients (campaign_id, user_id, telegram_id)
    SELECT $1, id, telegram_id FROM picked
    ON CONFLICT DO NOTHING
    RETURNING user_id
), moved AS (
    UPDATE campaigns SET selected_through = least($3, $2 + $4),
                         selection_done = least($3, $2 + $4) >= $3,
                         selected = selected + (SELECT count(*) FROM added),
                         updated_at = now()
    WHERE id = $1 AND selected_through = $2
    RETURNING id
)
SELECT array(SELECT user_id FROM added) AS added, EXISTS (SELECT 1 FROM moved) AS moved;

-- name: runner_holding
-- Of a chunk's gifted users, those with messages held for want of credits.
SELECT coalesce(array_agg(DISTINCT user_id), '{}') FROM messages
WHERE status = 'held' AND user_id = ANY ($1::bigint[]);

-- name: runner_granted
-- The chunk's recipients are gifted (the ledger rows are written in the same
-- transaction): with a notice they wait for it, else they are done.
WITH marked AS (
    UPDATE campaign_recipients SET granted_at = now(), updated_at = now(),
                                   status = CASE WHEN $3 THEN 'queued' ELSE 'granted' END
    WHERE campaign_id = $1 AND user_id = ANY ($2::bigint[])
    RETURNING 1
)
UPDATE campaigns SET granted = granted + (SELECT count(*) FROM marked) WHERE id = $1;

-- name: runner_settle
-- Recipients whose message Telegram answered: sent, blocked (the user blocked
-- the bot: marked on users by the delivery) or failed, counted on the campaign.
WITH done AS (
    SELECT r.user_id,
           CASE WHEN o.status = 'sent' THEN 'sent'
                WHEN u.blocked_bot_at IS NOT NULL THEN 'blocked'
                ELSE 'failed' END AS outcome,
           o.last_error
    FROM campaign_recipients r
    JOIN outbox o ON o.id = r.outbox_id
    JOIN users u ON u.id = r.user_id
    WHERE r.campaign_id = $1 AND r.status = 'sending' AND o.status IN ('sent', 'failed')
), settled AS (
    UPDATE campaign_recipients r
    SET status = d.outcome, error = CASE WHEN d.outcome = 'sent' THEN NULL ELSE d.last_error END,
        updated_at = now()
    FROM done d
    WHERE r.campaign_id = $1 AND r.user_id = d.user_id AND r.status = 'sending'
    RETURNING d.outcome
)
UPDATE campaigns c
SET sent = c.sent + t.sent, failed = c.failed + t.failed, blocked = c.blocked + t.blocked,
    updated_at = now()
FROM (SELECT count(*) FILTER (WHERE outcome = 'sent') AS sent,
             count(*) FILTER (WHERE outcome = 'failed') AS failed,
             count(*) FILTER (WHERE outcome = 'blocked') AS blocked
      FROM settled) t
WHERE c.id = $1;

-- name: runner_due
-- The campaign's sends to make again: put back (their slot lay further out, a
-- retry, a flood wait) or returned by the stall recovery (a worker died).
SELECT o.id FROM campaign_recipients r JOIN outbox o ON o.id = r.outbox_id
WHERE r.campaign_id = $1 AND r.status = 'sending' AND o.status = 'pending' AND o.not_before <= now()
ORDER BY o.id
LIMIT $2;

-- name: runner_queue
-- The next recipients' sends, written to the outbox and named on their row in
-- one transaction: a recipient is queued, or has exactly one outbox row.
-- $4 holds the call's parameters by language ('en' for everyone else). With $9, a
-- copy carries random ids of its own, the same on every try (one per message
-- copied, from the campaign and the user): Telegram refuses a try after one that
-- went through instead of sending twice. A gift's notice (sendMessage) carries
-- one the same way.
WITH next AS (
    SELECT r.user_id, r.telegram_id,
           user_language(u.language, u.language_code, $8::text[]) AS lang
    FROM campaign_recipients r JOIN users u ON u.id = r.user_id
    WHERE r.campaign_id = $1 AND r.status = 'queued'
    ORDER BY r.user_id
    LIMIT $2
    FOR UPDATE OF r SKIP LOCKED
), added AS (
    INSERT INTO outbox (chat_id, method, params, cause, priority, lane)
    SELECT n.telegram_id, $3,
           coalesce($4::jsonb -> n.lang, $4::jsonb -> 'en') || jsonb_build_object('chat_id', n.telegram_id)
           || CASE WHEN $9 THEN jsonb_build_object('random_ids', (
                  SELECT jsonb_agg(hashtextextended('campaign:' || $1 || ':' || n.user_id || ':' || i, 0))
                  FROM generate_series(1, jsonb_array_length($4::jsonb -> 'en' -> 'message_ids')) AS i))
              ELSE jsonb_build_object('random_id', hashtextextended('campaign:' || $1 || ':' || n.user_id || ':notice', 0))
              END,
           $5, $6, $7
    FROM next n ORDER BY n.user_id
    RETURNING id, chat_id
)
UPDATE campaign_recipients r SET status = 'sending', outbox_id = a.id, updated_at = now()
FROM added a JOIN next n ON n.telegram_id = a.chat_id
WHERE r.campaign_id = $1 AND r.user_id = n.user_id
RETURNING a.id;

-- name: runner_in_flight
SELECT EXISTS (SELECT 1 FROM campaign_recipients WHERE campaign_id = $1 AND status = 'queued')
    OR EXISTS (SELECT 1 FROM campaign_recipients WHERE campaign_id = $1 AND status = 'sending');

-- name: runner_drop_unsent
-- A cancelled campaign's sends not made yet: never made.
UPDATE outbox o SET status = 'failed', last_error = 'campaign cancelled'
FROM campaign_recipients r
WHERE r.campaign_id = $1 AND r.status = 'sending' AND o.id = r.outbox_id AND o.status = 'pending';

-- name: runner_due_start
-- A scheduled campaign whose time has come starts.
UPDATE campaigns SET status = 'running', started_at = now(), updated_at = now()
WHERE id = $1 AND status = 'scheduled' AND scheduled_at <= now()
RETURNING id;

-- name: runner_finish
UPDATE campaigns SET status = CASE WHEN status = 'running' THEN 'done' ELSE status END,
                     finished_at = now(), updated_at = now()
WHERE id = $1 AND status IN ('running', 'cancelled') AND finished_at IS NULL
RETURNING status;

-- name: runner_progress_due
-- Whether the progress message is due for an edit, claimed in the same statement.
UPDATE campaigns SET progress_at = now()
WHERE id = $1 AND (progress_at IS NULL OR progress_at < now() - make_interval(secs => $2))
RETURNING (SELECT (result ->> 'message_id')::int FROM outbox WHERE id = progress_outbox_id) AS message_id;
