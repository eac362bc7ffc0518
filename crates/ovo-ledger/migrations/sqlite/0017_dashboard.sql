-- The dashboard's figures over one environment and period: by product and status, and the
-- succeeded payments per day, read from the index alone (it holds every column they use).
CREATE INDEX payments_dashboard ON payments (environment, created_at, status, product, amount);
