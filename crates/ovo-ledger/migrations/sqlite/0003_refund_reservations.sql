-- Refund reservations (house decision HD 1, cumulative rule and daily limit).
-- Independent of any other migration after 0001: it only adds an index and triggers on `refunds`.
--
-- A refund reserves its amount in every status except 'rejected' and 'failed' (requested, approved,
-- submitting, processing, unknown, succeeded, settled_offline). The repository checks and inserts
-- in one BEGIN IMMEDIATE transaction; these triggers make the same rules hold for any writer.

-- The daily limit sums one product's reserving refunds requested on one WIB date.
CREATE INDEX refunds_by_requested_at ON refunds (requested_at);

-- Reserving refunds on a payment never add up to more than its paid amount.
CREATE TRIGGER refunds_reserve_within_paid BEFORE INSERT ON refunds
WHEN NEW.status NOT IN ('rejected', 'failed')
 AND NEW.amount + (SELECT COALESCE(SUM(amount), 0) FROM refunds
                   WHERE payment_id = NEW.payment_id AND status NOT IN ('rejected', 'failed'))
     > (SELECT amount FROM payments WHERE id = NEW.payment_id)
BEGIN
    SELECT RAISE(ABORT, 'refunds would exceed the paid amount');
END;

-- A released refund never reserves again: a retry is a new refund, checked again.
CREATE TRIGGER refunds_released_stay_released BEFORE UPDATE OF status ON refunds
WHEN OLD.status IN ('rejected', 'failed') AND NEW.status NOT IN ('rejected', 'failed')
BEGIN
    SELECT RAISE(ABORT, 'a rejected or failed refund cannot reserve again');
END;

-- What a refund is for never changes after it was checked.
CREATE TRIGGER refunds_amount_and_payment_fixed BEFORE UPDATE OF amount, payment_id ON refunds
WHEN NEW.amount <> OLD.amount OR NEW.payment_id <> OLD.payment_id
BEGIN
    SELECT RAISE(ABORT, 'a refund''s amount and payment never change');
END;
