-- Typed DuckDB tables over one Ratebook run (docs/formats.md lists every column).
--
-- Set the folders first (absolute paths, or relative to where DuckDB runs):
--   SET VARIABLE invoice = 'out/invoice';   -- an invoice output folder (required)
--   SET VARIABLE rate = 'out/rate';         -- its rated folder (optional: leave unset to skip)
-- then run this file; pipelines/duckdb/load.sh does both.
--
-- Money is DECIMAL(38,12): exact for every currency Ratebook bills in (at most 12 minor
-- units), never DOUBLE. An exact value that may be a fraction (`833/31`) is kept as text in a
-- `*_exact_text` column beside its DECIMAL(38,12) rounding. A line's group is a MAP.

CREATE OR REPLACE TABLE invoices AS
SELECT * FROM read_csv(getvariable('invoice') || '/invoices.csv', header = true,
    auto_detect = false, quote = '"', escape = '"',
    columns = {
        'invoice_id': 'VARCHAR', 'number': 'VARCHAR', 'customer': 'VARCHAR',
        'issue_date': 'DATE', 'period_start': 'TIMESTAMPTZ', 'period_end': 'TIMESTAMPTZ',
        'currency': 'VARCHAR', 'lines': 'INTEGER', 'subtotal': 'DECIMAL(38,12)',
        'discounts': 'DECIMAL(38,12)', 'tax_name': 'VARCHAR', 'tax_rate': 'DECIMAL(38,12)',
        'tax_base': 'DECIMAL(38,12)', 'tax': 'DECIMAL(38,12)', 'total': 'DECIMAL(38,12)',
        'credits_applied': 'DECIMAL(38,12)', 'amount_due': 'DECIMAL(38,12)'
    });

-- Lines of every invoice and correction document; `group_text` splits back into `group`
-- (`;` between pairs, `=` inside one, `%3B` `%3D` `%25` for those characters in a name).
CREATE OR REPLACE MACRO ratebook_unescape(text) AS
    replace(replace(replace(text, '%3B', ';'), '%3D', '='), '%25', '%');

CREATE OR REPLACE TABLE invoice_lines AS
SELECT number, type, nullif(corrects, '') AS corrects, customer, currency, plan, charge, kind,
    CASE WHEN group_text = '' THEN MAP {}::MAP(VARCHAR, VARCHAR)
        ELSE map_from_entries(list_transform(string_split(group_text, ';'),
            lambda pair: {'key': ratebook_unescape(split_part(pair, '=', 1)),
                     'value': ratebook_unescape(split_part(pair, '=', 2))}))
    END AS "group",
    group_text, quantity, quantity_exact_text, unit_price, amount, amount_exact,
    amount_exact_text
FROM read_csv(getvariable('invoice') || '/invoice-lines.csv', header = true,
    auto_detect = false, quote = '"', escape = '"',
    columns = {
        'number': 'VARCHAR', 'type': 'VARCHAR', 'corrects': 'VARCHAR', 'customer': 'VARCHAR',
        'currency': 'VARCHAR', 'plan': 'VARCHAR', 'charge': 'VARCHAR', 'kind': 'VARCHAR',
        'group_text': 'VARCHAR', 'quantity': 'DECIMAL(38,12)',
        'quantity_exact_text': 'VARCHAR', 'unit_price': 'DECIMAL(38,12)',
        'amount': 'DECIMAL(38,12)', 'amount_exact': 'DECIMAL(38,12)',
        'amount_exact_text': 'VARCHAR'
    });

CREATE OR REPLACE TABLE journal AS
SELECT * FROM read_csv(getvariable('invoice') || '/journal.csv', header = true,
    auto_detect = false, quote = '"', escape = '"',
    columns = {
        'date': 'DATE', 'transaction': 'VARCHAR', 'kind': 'VARCHAR', 'customer': 'VARCHAR',
        'account': 'VARCHAR', 'value': 'DECIMAL(38,12)', 'commodity': 'VARCHAR',
        'description': 'VARCHAR'
    });

CREATE OR REPLACE TABLE wallets AS
SELECT customer, currency, "grant", source, priority::INTEGER AS priority,
    ts::TIMESTAMPTZ AS ts, expires::TIMESTAMPTZ AS expires,
    amount::DECIMAL(38,12) AS amount, remaining::DECIMAL(38,12) AS remaining
FROM read_json(getvariable('invoice') || '/wallets.ndjson', format = 'newline_delimited',
    columns = {
        'customer': 'VARCHAR', 'currency': 'VARCHAR', 'grant': 'VARCHAR',
        'source': 'VARCHAR', 'priority': 'VARCHAR', 'ts': 'VARCHAR', 'expires': 'VARCHAR',
        'amount': 'VARCHAR', 'remaining': 'VARCHAR'
    });

CREATE OR REPLACE TABLE wallet_transactions AS
SELECT idempotency_key, customer, currency, kind, "grant", invoice,
    amount::DECIMAL(38,12) AS amount,
    balance_before::DECIMAL(38,12) AS balance_before,
    balance_after::DECIMAL(38,12) AS balance_after, ts::TIMESTAMPTZ AS ts
FROM read_json(getvariable('invoice') || '/wallet-transactions.ndjson',
    format = 'newline_delimited',
    columns = {
        'idempotency_key': 'VARCHAR', 'customer': 'VARCHAR', 'currency': 'VARCHAR',
        'kind': 'VARCHAR', 'grant': 'VARCHAR', 'amount': 'VARCHAR',
        'balance_before': 'VARCHAR', 'balance_after': 'VARCHAR', 'ts': 'VARCHAR',
        'invoice': 'VARCHAR'
    });

-- What each customer owes for the period per the journal: the receivable postings (the
-- invoice, credits applied, corrections). `receivable_root` is the catalog's
-- `accounts.receivable` when it renames it.
CREATE OR REPLACE VIEW receivables AS
SELECT customer, commodity AS currency, sum(value) AS balance
FROM journal
WHERE starts_with(account, coalesce(getvariable('receivable_root'), 'Assets:Receivable') || ':')
GROUP BY customer, commodity;
