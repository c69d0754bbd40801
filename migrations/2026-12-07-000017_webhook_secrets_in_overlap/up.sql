-- A rotation retried inside its overlap (the first answer lost on the way back) made a second
-- new secret and retired the first new one, so the secret the consumer still verified with
-- stopped signing at once. Now every secret retired during a run of overlapping rotations keeps
-- signing until the run's overlap ends: `previous_secrets`, oldest first, at most five.
ALTER TABLE webhook_subscriptions ADD COLUMN previous_secrets bytea[] NOT NULL DEFAULT '{}';
UPDATE webhook_subscriptions SET previous_secrets = ARRAY[previous_secret]
 WHERE previous_secret IS NOT NULL;
-- Drops the CHECK that paired it with previous_secret_until too.
ALTER TABLE webhook_subscriptions DROP COLUMN previous_secret;
ALTER TABLE webhook_subscriptions
    ADD CONSTRAINT webhook_subscriptions_overlap
        CHECK ((cardinality(previous_secrets) = 0) = (previous_secret_until IS NULL)),
    ADD CONSTRAINT webhook_subscriptions_previous_secrets_few
        CHECK (cardinality(previous_secrets) <= 5);
