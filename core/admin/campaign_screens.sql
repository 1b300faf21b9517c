-- name: campaign_screens_draft
-- A campaign as previewed: it reaches the users up to the newest one then.
INSERT INTO campaigns (kind, created_by, chat_id, thread_id, segment, filter, service, lane,
                       source_chat_id, source_message_ids, source_kind, buttons, credits, reason,
                       last_user_id, audience, scheduled_at, pass_days)
VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10::int[], $11, $12::jsonb, $13, $14, $15, $16, $17,
        $18)
RETURNING id;

-- name: campaign_screens_start
-- Draft -> running (or scheduled, until its time), once: a second confirm finds it started.
UPDATE campaigns SET status = CASE WHEN scheduled_at > now() THEN 'scheduled' ELSE 'running' END,
                     started_at = CASE WHEN scheduled_at > now() THEN NULL ELSE now() END,
                     lane = $2, notice = $3, updated_at = now()
WHERE id = $1 AND status = 'draft'
RETURNING *;

-- name: campaign_screens_progress_row
UPDATE campaigns SET progress_outbox_id = $2 WHERE id = $1;

-- name: campaign_screens_get
SELECT * FROM campaigns WHERE id = $1;

-- name: campaign_screens_set_status
-- Pause (running -> paused), resume (paused -> running), cancel (either -> cancelled).
UPDATE campaigns SET status = $2, updated_at = now()
WHERE id = $1 AND status = ANY ($3::text[])
RETURNING *;

-- name: campaign_screens_history
SELECT * FROM campaigns WHERE kind = $1 AND status <> 'draft' ORDER BY id DESC LIMIT $2;

-- name: campaign_screens_export
-- The per-recipient status of a campaign, for the CSV (capped: a document in a chat).
SELECT r.telegram_id, r.status, r.granted_at, r.updated_at, r.error
FROM campaign_recipients r
WHERE r.campaign_id = $1
ORDER BY r.user_id
LIMIT $2;

-- name: campaign_screens_template_save
-- A previewed broadcast's message kept under a name (unique, whatever the case).
INSERT INTO campaign_templates (name, source_chat_id, source_message_ids, source_kind, buttons, created_by)
SELECT $2, source_chat_id, source_message_ids, source_kind, buttons, $3
FROM campaigns WHERE id = $1 AND kind = 'broadcast'
ON CONFLICT DO NOTHING
RETURNING id;

-- name: campaign_screens_template_get
SELECT * FROM campaign_templates WHERE lower(name) = lower($1);

-- name: campaign_screens_templates
SELECT name FROM campaign_templates ORDER BY lower(name) LIMIT $1;

-- name: campaign_screens_id_list
SELECT id, file_name, given, unknown FROM campaign_id_lists WHERE id = $1;
