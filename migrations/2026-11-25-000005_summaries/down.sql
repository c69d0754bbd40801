DROP TABLE conversations;
DROP TABLE share_links;
DROP TABLE summaries;
