-- name: vw_monthly_revenue
-- version: 1
-- modules: account
-- requires: account_move(id, company_id, move_type, state, invoice_date, date, amount_untaxed_signed)
-- key: company_id, month
-- doc: Invoiced revenue per company and month from posted customer invoices and credit notes (untaxed, company currency): invoiced, refunded and net.
-- column company_id: The Odoo company (res_company.id).
-- column month: First day of the invoice month.
-- column invoices: Posted customer invoices.
-- column refunds: Posted customer credit notes.
-- column invoiced: Untaxed amount invoiced.
-- column refunded: Untaxed amount credited (a positive number).
-- column net_revenue: invoiced - refunded.
SELECT
    am.company_id,
    date_trunc('month', COALESCE(am.invoice_date, am.date))::date AS month,
    count(*) FILTER (WHERE am.move_type = 'out_invoice') AS invoices,
    count(*) FILTER (WHERE am.move_type = 'out_refund') AS refunds,
    COALESCE(sum(am.amount_untaxed_signed) FILTER (WHERE am.move_type = 'out_invoice'), 0)
        AS invoiced,
    COALESCE(-sum(am.amount_untaxed_signed) FILTER (WHERE am.move_type = 'out_refund'), 0)
        AS refunded,
    sum(am.amount_untaxed_signed) AS net_revenue
FROM public.account_move am
WHERE am.move_type IN ('out_invoice', 'out_refund') AND am.state = 'posted'
  AND am.company_id IS NOT NULL
GROUP BY am.company_id, date_trunc('month', COALESCE(am.invoice_date, am.date))
