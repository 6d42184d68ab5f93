-- PaymentHub schema, part 8: the admin panel. Who may sign in and what they may do, the lockout
-- that stops guessing of their passwords, and what a merchant shows its customers.

-- admin: everything; viewer: reads everything, changes nothing. Existing users were all admins.
ALTER TABLE admin_users ADD COLUMN role TEXT NOT NULL DEFAULT 'admin' CHECK (role IN ('admin', 'viewer'));
-- Failed sign-ins since the last success or lockout; at the limit the account is locked until locked_until.
ALTER TABLE admin_users ADD COLUMN failed_sign_ins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE admin_users ADD COLUMN locked_until INTEGER NULL;

-- Shown on the hosted checkout beside merchants.name (the shop's name customers see).
ALTER TABLE merchants ADD COLUMN support_email TEXT NULL;
ALTER TABLE merchants ADD COLUMN logo_url TEXT NULL;           -- https only
ALTER TABLE merchants ADD COLUMN brand_color TEXT NULL;        -- #rrggbb, the Pay button's colour
-- The text on customers' card statements, sent to the gateway with each sale or authorization.
ALTER TABLE merchants ADD COLUMN statement_descriptor TEXT NULL;
