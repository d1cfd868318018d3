-- name: vw_customer_ltv
-- version: 1
-- modules: sale
-- requires: sale_order(id, company_id, partner_id, state, date_order, amount_untaxed, currency_rate), res_partner(id, name, commercial_partner_id)
-- key: company_id, customer_id
-- doc: Customer lifetime value per company: confirmed orders of each customer (the commercial partner, so contacts count for their company), first and last order, untaxed revenue in the company's currency.
-- column company_id: The Odoo company (res_company.id).
-- column customer_id: The commercial partner (res_partner.id).
-- column customer_name: The commercial partner's name.
-- column orders: Confirmed orders.
-- column first_order: Date of the first confirmed order (UTC).
-- column last_order: Date of the latest confirmed order (UTC).
-- column lifetime_revenue: Sum of untaxed totals, in the company's currency.
-- column avg_order_value: lifetime_revenue / orders.
-- column customer_days: Days between first and last order.
SELECT
    so.company_id,
    customer.id AS customer_id,
    customer.name AS customer_name,
    count(*) AS orders,
    min(so.date_order)::date AS first_order,
    max(so.date_order)::date AS last_order,
    round(sum(so.amount_untaxed / COALESCE(NULLIF(so.currency_rate, 0), 1)), 2) AS lifetime_revenue,
    round(sum(so.amount_untaxed / COALESCE(NULLIF(so.currency_rate, 0), 1)) / count(*), 2)
        AS avg_order_value,
    max(so.date_order)::date - min(so.date_order)::date AS customer_days
FROM public.sale_order so
JOIN public.res_partner partner ON partner.id = so.partner_id
JOIN public.res_partner customer ON customer.id = COALESCE(partner.commercial_partner_id, partner.id)
WHERE so.state IN ('sale', 'done') AND so.company_id IS NOT NULL AND so.date_order IS NOT NULL
GROUP BY so.company_id, customer.id, customer.name
