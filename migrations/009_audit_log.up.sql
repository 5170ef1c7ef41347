-- 009_audit_log: what superadmins (and the `migrate superadmin` command) changed, who, when,
-- before and after. Neither original keeps one; a role several people share needs it. A row is
-- written in the same transaction as the change it records. Rows outlive what they describe:
-- `event_id` and `subject_user_id` are not foreign keys (an event may later be hard-deleted by
-- its owner), and a deleted actor leaves `actor_id` NULL while `actor` keeps their e-mail.
CREATE TABLE audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY,
    at timestamp with time zone NOT NULL DEFAULT now(),
    actor_id uuid,
    actor character varying(255) NOT NULL,
    action character varying(40) NOT NULL,
    event_id uuid,
    subject_user_id uuid,
    before jsonb,
    after jsonb,
    CONSTRAINT audit_log_pkey PRIMARY KEY (id),
    CONSTRAINT audit_log_actor_id_fkey FOREIGN KEY (actor_id) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT audit_log_action_check CHECK (action IN (
        'event.create', 'event.update', 'event.owner_transfer', 'event.soft_delete',
        'event.restore', 'user.grant_superadmin', 'user.revoke_superadmin'))
);

CREATE INDEX ix_audit_log_event_id ON audit_log (event_id, id);
CREATE INDEX ix_audit_log_actor_id ON audit_log (actor_id);
