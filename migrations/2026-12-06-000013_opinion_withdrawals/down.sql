DROP TABLE opinion_withdrawals;
