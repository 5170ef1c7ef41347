-- 014_console_audit_actions: the operator console (tools/console) writes what it changes to the
-- audit log like every superadmin write, and it does four things no route did: a permanent
-- delete of an event, adding and removing an attendee, and erasing a user with everything that
-- is theirs. The check on `action` lists those names too. A check constraint is swapped in one
-- statement (the table is scanned once under its lock: the log holds few rows).
ALTER TABLE audit_log
    DROP CONSTRAINT audit_log_action_check,
    ADD CONSTRAINT audit_log_action_check CHECK (action IN (
        'event.create', 'event.update', 'event.owner_transfer', 'event.soft_delete',
        'event.restore', 'user.grant_superadmin', 'user.revoke_superadmin',
        'event.delete', 'event.attendee_add', 'event.attendee_remove', 'user.delete'));
