-- Placeholder for version 6 (the alerts branch's migration): keeps versions contiguous on this
-- branch. Replaced by the real V6 when the branches are merged.
SELECT 1;
