-- The built-in environment's demo: operators and customers seeded for it are marked, so that
-- no other environment shows them and demo operators sign in only there.

ALTER TABLE operators ADD COLUMN demo INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1));
ALTER TABLE customers ADD COLUMN demo INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1));
