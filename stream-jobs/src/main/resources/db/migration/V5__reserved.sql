-- Placeholder for version 5 (the sink branch's migration): keeps versions contiguous on this
-- branch. Replaced by the real V5 when the branches are merged.
SELECT 1;
