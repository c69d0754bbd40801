DROP TABLE tasks;
DROP TABLE assessment_overrides;
DROP TABLE assessments;
DROP TABLE second_opinions;
DROP TABLE referrals;
