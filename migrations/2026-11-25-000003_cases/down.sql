DROP TABLE case_members;
DROP TABLE document_blobs;
DROP TABLE documents;
DROP TABLE plan_versions;
DROP FUNCTION refuse_update();
DROP TABLE cases;
DROP TABLE patients;
