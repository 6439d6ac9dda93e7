-- The content a session's inputs mean something in (decision 109). A session is replayed from
-- its inputs on every hop, by whichever process gets the hop; a process with other content (a
-- restart after an edit, or two processes during a rolling reload) would read the same inputs
-- as other answers: with one screen added, every later input moves by one. The first read
-- writes its process's content fingerprint (sess_content_fingerprint(), 16 hex digits) beside
-- the frozen profile, and a process with another refuses the session's later hops. NULL: frozen
-- by a gateway of before, which is not checked (as before this column).
ALTER TABLE session_profile ADD COLUMN content text CHECK (content ~ '^[0-9a-f]{16}$');
