-- name: incoming_outbox_relay_append
-- Queue released messages for their topic, in one round trip (at moderate load
-- a message is relayed alone, and each statement is a round trip of its drain's
-- transaction): each message marked queued with what it cost ($7, $8), the
-- conversation told the user wrote (a closed one stays closed until its topic is
-- reopened on delivery), and the relay appended to one still waiting.
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
WITH queued AS (
    -- By primary key, whatever the table's size when the plan was made (a join
    -- with unnest() could keep a scan planned while the table was small).
    UPDATE messages SET status = 'queued', credits_charged = ($8::int[])[array_position($7::bigint[], id)]
    WHERE id = ANY ($7::bigint[])
), wrote AS (
    UPDATE conversations
    SET status = CASE WHEN status = 'closed' THEN 'closed' ELSE 'waiting_operator' END,
        unread_count = unread_count + cardinality($7::bigint[]), last_user_message_at = now()
    WHERE id = $2
    RETURNING high_priority
), appended AS (
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
       + CASE WHEN (SELECT high_priority FROM wrote) THEN 1000 ELSE 0 END AS priority;
