-- name: vw_ar_aging
-- version: 1
-- modules: account
-- requires: account_move(id, company_id, partner_id, commercial_partner_id, move_type, state, invoice_date, invoice_date_due, date, amount_residual_signed), res_partner(id, name, commercial_partner_id)
-- key: company_id, customer_id
-- doc: Accounts receivable aging per company and customer, from the residual amounts (company currency) of posted customer invoices, by days past the due date as of today: not yet due, 0–30, 31–60, 61–90 and over 90 days.
-- column company_id: The Odoo company (res_company.id).
-- column customer_id: The commercial partner invoiced (res_partner.id).
-- column customer_name: The commercial partner's name.
-- column as_of: The day the ages are counted from (today; for mv_ar_aging, the day of the last refresh).
-- column open_invoices: Posted customer invoices with an amount left to pay.
-- column total_due: Sum of residual amounts, in the company's currency.
-- column not_due: Residual of invoices whose due date is still ahead.
-- column days_0_30: Residual of invoices 0 to 30 days past due.
-- column days_31_60: Residual of invoices 31 to 60 days past due.
-- column days_61_90: Residual of invoices 61 to 90 days past due.
-- column days_over_90: Residual of invoices more than 90 days past due.
WITH open_invoice AS (
    SELECT
        am.company_id,
        COALESCE(am.commercial_partner_id, partner.commercial_partner_id, am.partner_id)
            AS customer_id,
        am.amount_residual_signed AS residual,
        current_date - COALESCE(am.invoice_date_due, am.invoice_date, am.date) AS days_past_due
    FROM public.account_move am
    LEFT JOIN public.res_partner partner ON partner.id = am.partner_id
    WHERE am.move_type = 'out_invoice' AND am.state = 'posted'
      AND am.amount_residual_signed > 0 AND am.company_id IS NOT NULL
)
SELECT
    oi.company_id,
    oi.customer_id,
    customer.name AS customer_name,
    current_date AS as_of,
    count(*) AS open_invoices,
    sum(oi.residual) AS total_due,
    COALESCE(sum(oi.residual) FILTER (WHERE oi.days_past_due < 0), 0) AS not_due,
    COALESCE(sum(oi.residual) FILTER (WHERE oi.days_past_due BETWEEN 0 AND 30), 0) AS days_0_30,
    COALESCE(sum(oi.residual) FILTER (WHERE oi.days_past_due BETWEEN 31 AND 60), 0) AS days_31_60,
    COALESCE(sum(oi.residual) FILTER (WHERE oi.days_past_due BETWEEN 61 AND 90), 0) AS days_61_90,
    COALESCE(sum(oi.residual) FILTER (WHERE oi.days_past_due > 90), 0) AS days_over_90
FROM open_invoice oi
LEFT JOIN public.res_partner customer ON customer.id = oi.customer_id
GROUP BY oi.company_id, oi.customer_id, customer.name
