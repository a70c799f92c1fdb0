/// One versioned step of the database schema. Steps only ever get appended.
struct Migration: Sendable {
    var version: Int
    var name: String
    var sql: String
}

extension Migration {
    static let all: [Migration] = [
        Migration(version: 1, name: "firms, accounts, ledger, audit, outbox", sql: """
            create table firms (
                firm_id text primary key,
                realm_id text not null,
                -- OAuth tokens sealed with AES-GCM (nonce | ciphertext | tag), bound to firm_id
                refresh_token bytea not null,
                access_token bytea,
                access_token_expires_at timestamptz,
                policy text not null default 'accounts_with_activity'
                    check (policy in ('accounts_with_activity', 'all_accounts')),
                sync_start_date date,
                manual_payments_sync boolean not null default true,
                income_account_id text,
                fee_account_id text,
                connection_status text not null default 'synced'
                    check (connection_status in ('synced', 'failed')),
                connection_detail text,
                connection_error_code text,
                status_sequence bigint not null default 0,
                connected_at timestamptz not null default now(),
                updated_at timestamptz not null default now()
            );

            create table accounts (
                firm_id text not null,
                account_id text not null,
                name text not null,
                status text not null
                    check (status in ('not_synced', 'syncing', 'synced', 'skipped', 'failed')),
                qbo_customer_id text,
                detail text,
                error_code text,
                sequence bigint not null default 0,
                has_activity boolean not null default false,
                -- the link still to make while syncing, and the event that asked for it
                pending_link_mode text check (pending_link_mode in ('auto', 'existing', 'create')),
                pending_link_customer_id text,
                pending_link_event_id text,
                attempts integer not null default 0,
                next_attempt_at timestamptz,
                -- the worker currently talking to QuickBooks for this account
                lease_owner text,
                lease_expires_at timestamptz,
                updated_at timestamptz not null default now(),
                primary key (firm_id, account_id),
                check ((status = 'syncing') = (pending_link_mode is not null))
            );
            create index accounts_waiting on accounts (next_attempt_at) where status = 'syncing';

            create table processed_events (
                event_id text primary key,
                firm_id text not null,
                event_type text not null,
                -- where the event was read; null when a retry finished it outside the consumer
                topic text,
                kafka_partition integer,
                kafka_offset bigint,
                worker_id text,
                processed_at timestamptz not null default now()
            );

            create table rejected_toggles (
                id bigserial primary key,
                event_id text not null,
                firm_id text not null,
                account_id text not null,
                action text not null check (action in ('sync', 'unsync')),
                actor_user_id text not null,
                actor_role text not null,
                reason text not null,
                received_at timestamptz not null default now()
            );
            create index rejected_toggles_by_account on rejected_toggles (firm_id, account_id);

            create table outbox (
                id bigserial primary key,
                topic text not null,
                message_key text not null,
                payload bytea not null,
                created_at timestamptz not null default now(),
                published_at timestamptz
            );
            create index outbox_unpublished on outbox (id) where published_at is null;
            """),
    ]
}
