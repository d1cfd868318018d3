-- name: vw_monthly_revenue
-- version: 2
-- modules: account
-- requires: account_move(id, company_id, move_type, state, invoice_date, date, amount_untaxed_signed)
-- key: company_id, month
-- doc: Invoiced revenue per company and month (untaxed, company currency) from posted customer invoices and sales receipts, less posted customer credit notes: invoiced, refunded and net. Draft and cancelled documents do not count; a credit note counts in the month of its own date, as a negative amount.
-- column company_id: The Odoo company (res_company.id).
-- column month: First day of the invoice month.
-- column invoices: Posted customer invoices and sales receipts.
-- column refunds: Posted customer credit notes.
-- column invoiced: Untaxed amount invoiced.
-- column refunded: Untaxed amount credited (a positive number).
-- column net_revenue: invoiced - refunded.
SELECT
    am.company_id,
    date_trunc('month', COALESCE(am.invoice_date, am.date))::date AS month,
    count(*) FILTER (WHERE am.move_type <> 'out_refund') AS invoices,
    count(*) FILTER (WHERE am.move_type = 'out_refund') AS refunds,
    COALESCE(sum(am.amount_untaxed_signed) FILTER (WHERE am.move_type <> 'out_refund'), 0)
        AS invoiced,
    COALESCE(-sum(am.amount_untaxed_signed) FILTER (WHERE am.move_type = 'out_refund'), 0)
        AS refunded,
    sum(am.amount_untaxed_signed) AS net_revenue
FROM public.account_move am
WHERE am.move_type IN ('out_invoice', 'out_receipt', 'out_refund') AND am.state = 'posted'
  AND am.company_id IS NOT NULL
GROUP BY am.company_id, date_trunc('month', COALESCE(am.invoice_date, am.date))
