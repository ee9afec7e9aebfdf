-- Notifications by mail as well as in the app, chosen per kind.

-- NULL: the kind's default (mail for what asks for an answer or concerns
-- money and work; none for news about saved works and followed artists).
ALTER TABLE notification_preferences ADD COLUMN email boolean;

-- A kind can be off in the app and on by mail: such notifications exist to
-- be mailed and are neither listed nor counted as unread.
ALTER TABLE notifications ADD COLUMN shown boolean NOT NULL DEFAULT true;
-- 'due' until the mailer takes it up: then 'sent', or 'skipped' (read in
-- the app first, or the address is not confirmed). NULL: not for mail.
ALTER TABLE notifications ADD COLUMN mail_state text CHECK (mail_state IN ('due', 'sent', 'skipped'));
CREATE INDEX notifications_mail_due_idx ON notifications (created_at) WHERE mail_state = 'due';

-- The one-click unsubscribe address a message carries (RFC 8058).
ALTER TABLE mail_messages ADD COLUMN unsubscribe_url text;
