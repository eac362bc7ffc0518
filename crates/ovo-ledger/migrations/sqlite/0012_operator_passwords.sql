-- A password an admin set (creating the operator or resetting the password) is one-time: the
-- operator replaces it at their next sign-in, and it never approves anything. Operators that
-- existed before were all given their password by an admin, except the first admin (the
-- merchant's earliest operator), who chose their own; the demo operators' password is public
-- and stays as it is. So every other existing operator chooses a new password at their next
-- sign-in; their present one still signs them in for that.
ALTER TABLE operators ADD COLUMN password_one_time INTEGER NOT NULL DEFAULT 0
    CHECK (password_one_time IN (0, 1));

UPDATE operators
   SET password_one_time = 1
 WHERE demo = 0
   AND id <> (SELECT min(id) FROM operators WHERE demo = 0);

-- Failed password attempts (sign-in, unlock, approval) per username (`user:<name>`) and for the
-- whole desk (`desk`), kept in the ledger so that a restart does not forget them.
CREATE TABLE password_attempts (
    key             TEXT    PRIMARY KEY,
    failures        INTEGER NOT NULL CHECK (failures >= 0),
    last_failure_at INTEGER NOT NULL,
    locked_until    INTEGER
);
