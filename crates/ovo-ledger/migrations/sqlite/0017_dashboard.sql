-- The dashboard's figures over one environment and period: by product and status, and the
-- succeeded payments per day, read from the index alone (it holds every column they use).
CREATE INDEX payments_dashboard ON payments (environment, created_at, status, product, amount);

-- The open unknown and needs-review payments, counted by status: a small index the dashboard reads
-- instead of walking every payment of the environment.
CREATE INDEX payments_open ON payments (status, environment) WHERE status IN ('unknown', 'needs_review');
