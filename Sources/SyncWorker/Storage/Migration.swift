/// One versioned step of the database schema. Steps only ever get appended.
struct Migration: Sendable {
    var version: Int
    var name: String
    var sql: String
}

extension Migration {
    static let all: [Migration] = [
        Migration(
            version: 1, name: "firms, accounts, ledger, audit, outbox",
            sql: """
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
        Migration(
            version: 2, name: "invoices and payments: documents, their QuickBooks objects, per-account queues",
            sql: """
                -- orders document changes: an account's documents are written to QuickBooks in this order
                create sequence document_changes;

                create table documents (
                    firm_id text not null,
                    kind text not null check (kind in ('invoice', 'payment')),
                    document_id text not null,
                    account_id text not null,
                    -- the newest revision received and what it says
                    revision bigint not null default -1,
                    lifecycle text not null default 'active' check (lifecycle in ('active', 'voided', 'deleted')),
                    -- the newest invoice.upserted / payment.upserted message value, as received
                    content bytea,
                    doc_date date,
                    label text not null,
                    -- the ingress event behind the newest change (the caused_by of what follows)
                    last_event_id text not null,
                    change_seq bigint not null,
                    -- there is something to write to QuickBooks once the account and firm allow it
                    pending boolean not null default false,
                    -- invoices a payment waits for (by document id) and how the payment names them
                    awaiting text[] not null default '{}',
                    awaiting_labels text[] not null default '{}',
                    -- QuickBooks refused the revision below; a newer revision (or a re-sync) tries again
                    failed_revision bigint,
                    failure_code text,
                    failure_detail text,
                    -- why writing waits after transient QuickBooks errors
                    parked_detail text,
                    -- the QuickBooks column
                    status text check (status in ('not_synced', 'syncing', 'synced', 'skipped', 'failed')),
                    detail text,
                    error_code text,
                    qbo_id text,
                    sequence bigint not null default 0,
                    updated_at timestamptz not null default now(),
                    primary key (firm_id, kind, document_id)
                );
                create index documents_pending on documents (firm_id, account_id, change_seq) where pending;
                create index documents_by_account on documents (firm_id, account_id);
                create index documents_awaiting on documents using gin (awaiting) where cardinality(awaiting) > 0;

                -- the QuickBooks objects a document became (an Invoice; a Payment or CreditMemo, its
                -- credit application, fee Purchase and RefundReceipts)
                create table document_components (
                    firm_id text not null,
                    kind text not null,
                    document_id text not null,
                    role text not null,
                    qbo_type text not null check (qbo_type in ('Invoice', 'Payment', 'CreditMemo', 'Purchase', 'RefundReceipt')),
                    qbo_id text,
                    sync_token text,
                    applied_revision bigint,
                    -- the revision a create was first tried with; its requestid derives from it
                    attempt_revision bigint,
                    state text not null default 'live' check (state in ('live', 'voided', 'deleted')),
                    updated_at timestamptz not null default now(),
                    primary key (firm_id, kind, document_id, role),
                    foreign key (firm_id, kind, document_id) references documents on delete cascade
                );

                create table payment_refunds (
                    firm_id text not null,
                    payment_id text not null,
                    refund_id text not null,
                    amount numeric(19, 6) not null,
                    refund_date date not null,
                    revision bigint not null,
                    primary key (firm_id, payment_id, refund_id)
                );

                -- one per account with documents: when its documents are next written, and who writes them
                create table document_queues (
                    firm_id text not null,
                    account_id text not null,
                    -- the partition the account's documents arrive on; its consumer writes them, so a
                    -- realm's QuickBooks budget stays with one worker
                    owner_partition text not null,
                    next_attempt_at timestamptz,
                    attempts integer not null default 0,
                    lease_owner text,
                    lease_expires_at timestamptz,
                    primary key (firm_id, account_id)
                );
                create index document_queues_due on document_queues (next_attempt_at) where next_attempt_at is not null;

                -- QuickBooks objects looked up once per firm: service items by name, accounts by role
                create table qbo_references (
                    firm_id text not null,
                    kind text not null check (kind in ('item', 'account')),
                    name text not null,
                    qbo_id text not null,
                    primary key (firm_id, kind, name)
                );
                """),
        Migration(
            version: 3, name: "dead letters through the outbox, once per message",
            sql: """
                -- raw rows: a Kafka record kept byte for byte (key and value may be null), with headers
                alter table outbox add column raw boolean not null default false,
                                  add column key_bytes bytea,
                                  add column headers bytea,
                                  alter column payload drop not null;

                -- messages dead-lettered, by where they were read: one redelivered after a crash is
                -- not dead-lettered twice
                create table dead_letters (
                    topic text not null,
                    kafka_partition integer not null,
                    kafka_offset bigint not null,
                    reason text not null,
                    error text not null,
                    dead_lettered_at timestamptz not null default now(),
                    primary key (topic, kafka_partition, kafka_offset)
                );
                create index dead_letters_by_time on dead_letters (dead_lettered_at);
                """),
        Migration(
            version: 4, name: "outbox rows set aside, ledger retention, token key check",
            sql: """
                -- a row Kafka refused for good stays here, with why, instead of holding back the rest
                alter table outbox add column set_aside_at timestamptz, add column set_aside_reason text;
                drop index outbox_unpublished;
                create index outbox_unpublished on outbox (id) where published_at is null and set_aside_at is null;
                create index outbox_set_aside on outbox (id) where set_aside_at is not null;

                -- the retention job deletes the ledger by age
                create index processed_events_by_time on processed_events (processed_at);

                -- a value sealed with the token key, so a worker started with another key notices at once
                create table token_key_check (
                    id integer primary key check (id = 1),
                    sealed bytea not null,
                    created_at timestamptz not null default now()
                );
                """),
        Migration(
            version: 5, name: "firms an owner disconnected; payments waiting too long",
            sql: """
                -- not_synced: the firm disconnected QuickBooks itself (its tokens revoked and forgotten)
                alter table firms drop constraint firms_connection_status_check;
                alter table firms add constraint firms_connection_status_check check (connection_status in ('synced', 'failed', 'not_synced'));

                -- since when a payment waits for its invoices: past the firm's patience it says so
                alter table documents add column awaiting_since timestamptz;
                """),
        Migration(
            version: 6, name: "invoices and payments synced and unsynced by hand",
            sql: """
                -- an owner's or admin's choice from the column; a generation per unsync, so what is
                -- written again gets requestids of its own
                alter table documents add column manual_choice text check (manual_choice in ('sync', 'unsync')),
                                      add column generation bigint not null default 0;
                alter table document_components add column attempt_generation bigint not null default 0;

                -- refused requests for invoices and payments are audited beside those for accounts
                alter table rejected_toggles add column entity text not null default 'account' check (entity in ('account', 'invoice', 'payment')),
                                             add column entity_id text;
                update rejected_toggles set entity_id = account_id;
                alter table rejected_toggles alter column entity_id set not null;
                """),
        Migration(
            version: 7, name: "the worker that reports the deployment's figures",
            sql: """
                -- one worker at a time reports figures about the whole deployment; the others report 0
                create table metrics_reporter (
                    id integer primary key check (id = 1),
                    worker_id text not null,
                    expires_at timestamptz not null
                );
                """),
        Migration(
            version: 8, name: "W3C trace context on documents and outbox rows",
            sql: """
                -- the trace of the event that last changed a document, continued by the writes it causes
                alter table documents add column trace_parent text, add column trace_state text;
                -- the trace a status event belongs to, for its publish span and Kafka headers
                alter table outbox add column trace_parent text, add column trace_state text;
                """),
        Migration(
            version: 9, name: "one QuickBooks budget per realm for the consumer group",
            sql: """
                -- the worker that may call a realm now; wanted_at: another worker waits for it
                create table realm_leases (
                    realm_id text primary key,
                    worker_id text not null,
                    expires_at timestamptz not null,
                    wanted_at timestamptz
                );
                -- calls made to each realm per second, so the next holder starts from the same window
                create table realm_calls (
                    realm_id text not null,
                    second timestamptz not null,
                    calls integer not null,
                    primary key (realm_id, second)
                );
                """),
        Migration(
            version: 10, name: "QuickBooks batch requests",
            sql: """
                -- the batch requests among each second's calls (QuickBooks allows 40 of its 500 a minute)
                alter table realm_calls add column batches integer not null default 0;
                -- a batch request as sent: its requestid covers all its items, so a batch whose answer
                -- was lost is sent again exactly as it was; answer: QuickBooks' answer, once it came
                create table quickbooks_batches (
                    request_id text primary key,
                    realm_id text not null,
                    body bytea not null,
                    answer bytea,
                    created_at timestamptz not null default now()
                );
                create index quickbooks_batches_created on quickbooks_batches (created_at);
                -- the writes in each batch, by their own requestid; bid: the item's place in the batch
                create table quickbooks_batch_items (
                    realm_id text not null,
                    item_request_id text not null,
                    batch_request_id text not null references quickbooks_batches on delete cascade,
                    bid integer not null,
                    primary key (realm_id, item_request_id)
                );
                create index quickbooks_batch_items_batch on quickbooks_batch_items (batch_request_id);
                """),
        Migration(
            version: 11, name: "changes made in QuickBooks",
            sql: """
                -- change notifications from QuickBooks (webhooks, change-data-capture), kept from their
                -- arrival until reconciled; a repeat of one (same object, operation, time and version) is kept once
                create table quickbooks_notifications (
                    id bigserial primary key,
                    realm_id text not null,
                    entity text not null,
                    entity_id text not null,
                    operation text not null,
                    changed_at text not null,
                    deleted_id text,
                    -- the object's SyncToken after the change, when known (change-data-capture)
                    sync_token text,
                    source text not null,
                    received_at timestamptz not null default now(),
                    reconciled_at timestamptz,
                    -- the worker reconciling it now, until then
                    claimed_by text,
                    claimed_until timestamptz
                );
                -- QuickBooks' change times are to the second: the SyncToken tells two changes of one second apart
                -- what an accountant's change in QuickBooks to what qbsync wrote leads to
                alter table firms add column quickbooks_changes text not null default 'report'
                    check (quickbooks_changes in ('report', 'platform_wins'));
                create unique index quickbooks_notifications_once
                    on quickbooks_notifications (realm_id, entity, entity_id, operation, changed_at, coalesce(sync_token, ''));
                create index quickbooks_notifications_pending on quickbooks_notifications (id) where reconciled_at is null;
                -- change-data-capture per realm: everything changed before checked_until has been recorded
                create table quickbooks_cdc_checkpoints (
                    realm_id text primary key,
                    checked_until timestamptz not null,
                    next_sweep_at timestamptz not null default now(),
                    claimed_by text,
                    claimed_until timestamptz
                );
                """),
        Migration(
            version: 12, name: "outbox rows claimed by a relay while it delivers them",
            sql: """
                -- a relay claims rows (a short transaction), delivers them with no transaction open, and
                -- settles them (another); a key with rows claimed by a live relay is left to that relay,
                -- so one entity's events leave in order while relays of many workers publish in parallel
                alter table outbox add column claimed_by text, add column claimed_until timestamptz;
                create index outbox_unpublished_by_key on outbox (message_key, id) where published_at is null and set_aside_at is null;
                """),
        Migration(
            version: 13, name: "room on the outbox's pages for its claims",
            sql: """
                -- a row is claimed (and its claim renewed) in place: with room left on its page the update
                -- touches no index (a HOT update); at the default fill only about one claim in seven did
                alter table outbox set (fillfactor = 50);
                """),
    ]
}
