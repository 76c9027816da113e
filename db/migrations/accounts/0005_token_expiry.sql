-- Bearer tokens carry an expiry (users.go, DefaultTokenTTL): those made
-- before it get 365 days from their making, in the stored format.
UPDATE tokens SET expires_at = strftime('%Y-%m-%dT%H:%M:%S', created_at, '+365 days') || substr(created_at, 20)
WHERE kind = 'api' AND expires_at IS NULL;
