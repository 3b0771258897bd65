-- Strings whose bytes must survive into the C table unchanged.
-- migrate:up
INSERT INTO notes (body) VALUES ('it''s a "quote", a backslash \ and two \\ of them');
INSERT INTO notes (body) VALUES (E'escaped \' quote, \\ and \n');
INSERT INTO notes (body) VALUES ('trigraphs ??= ??/ ??'' ??( ??) ??! ??< ??> ??- and ???=?? end');
INSERT INTO "odd ""name""" (body) VALUES ('tab:	end', 'naïve café 日本語 😀', '%d %s');
-- migrate:down
