DROP INDEX conversations_by_day;
DROP INDEX second_opinions_answered;
