-- Deep pages of users: the page query first finds its ids (a deferred join). On PostgreSQL the
-- primary key's index already serves that as an index-only scan, so there is nothing to add;
-- this file keeps the two backends' migrations in step.
SELECT 1;
