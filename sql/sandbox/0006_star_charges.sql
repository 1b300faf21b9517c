-- Stars payments the stand-in Telegram made for the bot (the sandbox's
-- pay-invoice), so refundStarPayment is answered as Telegram answers it: only
-- a charge of that user, and only once.
CREATE TABLE sandbox_star_charges (
    charge_id   text PRIMARY KEY,
    user_id     bigint NOT NULL,
    amount      integer NOT NULL CHECK (amount > 0),
    payload     text NOT NULL,
    paid_at     timestamptz NOT NULL DEFAULT now(),
    refunded_at timestamptz
);
