ALTER TABLE webhook_subscriptions DROP CONSTRAINT webhook_subscriptions_overlap,
    DROP CONSTRAINT webhook_subscriptions_previous_secrets_few;
ALTER TABLE webhook_subscriptions ADD COLUMN previous_secret bytea;
-- The newest retired secret is the one the single column kept.
UPDATE webhook_subscriptions SET previous_secret = previous_secrets[cardinality(previous_secrets)]
 WHERE cardinality(previous_secrets) > 0;
ALTER TABLE webhook_subscriptions DROP COLUMN previous_secrets;
ALTER TABLE webhook_subscriptions
    ADD CHECK ((previous_secret IS NULL) = (previous_secret_until IS NULL));
