-- A refund's stored problem now says itself whether the provider had already received the
-- original request (`original_received`), where before the resolver read it from a code
-- starting with "409". Problems stored before carry the flag from now on, so an open refund
-- whose original reached the provider is never sent again.
UPDATE refunds
   SET problem = json_set(problem, '$.original_received', json('true'))
 WHERE problem IS NOT NULL
   AND json_valid(problem)
   AND json_extract(problem, '$.code') LIKE '409%'
   AND json_extract(problem, '$.original_received') IS NULL;
