-- A user's message joins the relay of their conversation still waiting, if any
-- (core/relay/incoming.sql, incoming_outbox_relay_append). Found through the admin
-- group's pending rows, that lookup walked every one of them whenever the
-- conversation had none: under a backlog (a group's 20 a minute, a burst) a cost
-- per message that grew with the backlog. Indexed per conversation, it is one probe.
CREATE INDEX outbox_relay_pending_idx ON outbox (chat_id, ((params ->> 'conversation_id')::bigint), id)
    WHERE method = 'relayToTopic' AND status = 'pending';
