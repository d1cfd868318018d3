-- name: vw_sales_kpi_day
-- version: 2
-- modules: sale
-- requires: sale_order(id, company_id, partner_id, state, date_order, amount_untaxed, amount_total, currency_rate)
-- key: company_id, day
-- doc: Confirmed sales orders (state sale or done) per company and order day (UTC), amounts in the company's currency. Orders, not invoices: a later credit note does not lower them (invoiced revenue net of credit notes is in vw_monthly_revenue).
-- column company_id: The Odoo company (res_company.id).
-- column day: The order date (sale_order.date_order, UTC).
-- column orders: Confirmed orders dated that day.
-- column customers: Distinct customers (order partners) that day.
-- column revenue_untaxed: Sum of untaxed totals, in the company's currency.
-- column revenue_total: Sum of totals with taxes, in the company's currency.
-- column avg_order_value: revenue_untaxed / orders.
SELECT
    so.company_id,
    so.date_order::date AS day,
    count(*) AS orders,
    count(DISTINCT so.partner_id) AS customers,
    round(sum(so.amount_untaxed / COALESCE(NULLIF(so.currency_rate, 0), 1)), 2) AS revenue_untaxed,
    round(sum(so.amount_total / COALESCE(NULLIF(so.currency_rate, 0), 1)), 2) AS revenue_total,
    round(sum(so.amount_untaxed / COALESCE(NULLIF(so.currency_rate, 0), 1)) / count(*), 2)
        AS avg_order_value
FROM public.sale_order so
WHERE so.state IN ('sale', 'done') AND so.company_id IS NOT NULL AND so.date_order IS NOT NULL
GROUP BY so.company_id, so.date_order::date
