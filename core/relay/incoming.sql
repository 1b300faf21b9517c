-- name: incoming_outbox_relay_append
-- Coalesce a burst: messages join a relay of the same conversation that is
-- still waiting (an album's grace period, a flood wait), up to the 100 ids
-- one ForwardMessages call takes. The outer status check re-runs after a
-- concurrent claim, so a row being sent is never extended.
-- ``replies`` says whether any of the row's messages answers one (a row without the
-- key is read as yes). Found by sql/migrations/0025's index.
-- Also answers the priority a new relay row gets when none was waiting ($6, the
-- user's tier): when the admin group's budget is short, higher tiers go first,
-- and a conversation operators marked high priority (the desk) before every tier.
-- In the same round trip, as a new row is the usual case at moderate load.
WITH appended AS (
    UPDATE outbox
    SET params = jsonb_set(jsonb_set(
            jsonb_set(params, '{message_ids}', (params -> 'message_ids') || $3::jsonb),
            '{message_row_ids}', (params -> 'message_row_ids') || $4::jsonb),
            '{replies}', to_jsonb(coalesce((params ->> 'replies')::boolean, true) OR $5::boolean))
    WHERE status = 'pending'
      AND id = (
        SELECT id FROM outbox
        WHERE method = 'relayToTopic' AND status = 'pending' AND chat_id = $1
          AND (params ->> 'conversation_id')::bigint = $2
          AND jsonb_array_length(params -> 'message_ids') + jsonb_array_length($3::jsonb) <= 100
        ORDER BY id DESC
        LIMIT 1
        FOR UPDATE SKIP LOCKED)
    RETURNING id
)
SELECT (SELECT id FROM appended) AS appended,
       coalesce((SELECT priority FROM tiers WHERE name = $6), 0)
       + CASE WHEN (SELECT high_priority FROM conversations WHERE id = $2) THEN 1000 ELSE 0 END AS priority;
