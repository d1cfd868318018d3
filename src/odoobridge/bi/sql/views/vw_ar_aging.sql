-- name: vw_ar_aging
-- version: 2
-- modules: account
-- requires: account_move_line(id, company_id, account_id, partner_id, parent_state, date, date_maturity, amount_residual), account_account(id, account_type, non_trade), res_partner(id, name, commercial_partner_id)
-- key: company_id, customer_id
-- doc: Accounts receivable aging per company and customer, as Odoo's ledger has it: the amounts left open (amount_residual, company currency) on posted journal items of trade receivable accounts — invoices add, open credit notes and payments not yet matched to an invoice subtract — by days past each item's due date as of today: not yet due, 0–30, 31–60, 61–90 and over 90 days.
-- column company_id: The Odoo company (res_company.id).
-- column customer_id: The commercial partner of the journal items (res_partner.id); empty for items without a partner.
-- column customer_name: The commercial partner's name.
-- column as_of: The day the ages are counted from (today; for mv_ar_aging, the day of the last refresh).
-- column open_items: Receivable journal items with an amount left open (invoices, credit notes, unmatched payments).
-- column total_due: What the customer owes: the sum of the open amounts, in the company's currency (negative when the customer is owed money).
-- column not_due: Open amount of items whose due date is still ahead.
-- column days_0_30: Open amount of items 0 to 30 days past due.
-- column days_31_60: Open amount of items 31 to 60 days past due.
-- column days_61_90: Open amount of items 61 to 90 days past due.
-- column days_over_90: Open amount of items more than 90 days past due.
WITH open_item AS (
    SELECT
        aml.company_id,
        COALESCE(partner.commercial_partner_id, aml.partner_id) AS customer_id,
        aml.amount_residual AS residual,
        current_date - COALESCE(aml.date_maturity, aml.date) AS days_past_due
    FROM public.account_move_line aml
    JOIN public.account_account account ON account.id = aml.account_id
    LEFT JOIN public.res_partner partner ON partner.id = aml.partner_id
    WHERE account.account_type = 'asset_receivable' AND NOT COALESCE(account.non_trade, false)
      AND aml.parent_state = 'posted' AND aml.amount_residual <> 0
      AND aml.company_id IS NOT NULL
)
SELECT
    oi.company_id,
    oi.customer_id,
    customer.name AS customer_name,
    current_date AS as_of,
    count(*) AS open_items,
    sum(oi.residual) AS total_due,
    COALESCE(sum(oi.residual) FILTER (WHERE oi.days_past_due < 0), 0) AS not_due,
    COALESCE(sum(oi.residual) FILTER (WHERE oi.days_past_due BETWEEN 0 AND 30), 0) AS days_0_30,
    COALESCE(sum(oi.residual) FILTER (WHERE oi.days_past_due BETWEEN 31 AND 60), 0) AS days_31_60,
    COALESCE(sum(oi.residual) FILTER (WHERE oi.days_past_due BETWEEN 61 AND 90), 0) AS days_61_90,
    COALESCE(sum(oi.residual) FILTER (WHERE oi.days_past_due > 90), 0) AS days_over_90
FROM open_item oi
LEFT JOIN public.res_partner customer ON customer.id = oi.customer_id
GROUP BY oi.company_id, oi.customer_id, customer.name
