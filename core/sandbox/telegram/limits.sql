-- name: limits_take_lane
-- A place in the overall lane (flood_wait 0, ticket), or a recorded refusal (see 0007).
SELECT * FROM sandbox_take_lane($1, $2, $3, $4, $5, $6, $7, $8, $9);

-- name: limits_take_chat_send
-- In the send's transaction: 0 when counted, else the seconds the chat's limits ask.
SELECT sandbox_take_chat_send($1, $2, $3, $4, $5, $6, $7);

-- name: limits_give_back_lane
-- The send the ticket was for did not happen: its numbers count as long gone.
DELETE FROM sandbox_lane_sends WHERE lane = $1 AND lane_seq = $2;

-- name: limits_record_flood_wait
INSERT INTO sandbox_flood_waits (chat_id, messages, paid, seconds) VALUES ($1, $2, $3, $4);
