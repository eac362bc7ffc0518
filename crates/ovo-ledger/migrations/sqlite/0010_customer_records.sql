-- Customers the merchant creates, edits, imports and forgets: free-text notes on the customer,
-- dated notes on the customer's timeline, and when a customer was forgotten (name, email and
-- notes erased; the money records kept).
ALTER TABLE customers ADD COLUMN notes TEXT;
ALTER TABLE customers ADD COLUMN forgotten_at INTEGER;

CREATE TABLE customer_notes (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    body        TEXT    NOT NULL CHECK (length(body) > 0),
    created_at  INTEGER NOT NULL,
    created_by  INTEGER REFERENCES operators (id)
);
CREATE INDEX customer_notes_by_customer ON customer_notes (customer_id, created_at DESC, id DESC);
