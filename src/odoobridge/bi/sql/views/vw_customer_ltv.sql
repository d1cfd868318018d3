-- name: vw_customer_ltv
-- version: 2
-- modules: sale, account
-- requires: sale_order(id, company_id, partner_id, state, date_order, amount_untaxed, currency_rate), account_move(id, company_id, partner_id, commercial_partner_id, move_type, state, amount_untaxed_signed), res_partner(id, name, commercial_partner_id)
-- key: company_id, customer_id
-- doc: Customer lifetime value per company, for each customer with confirmed orders: its orders (the commercial partner, so contacts count for their company), first and last order, untaxed revenue ordered in the company's currency, and what was actually invoiced: posted invoices less posted credit notes.
-- column company_id: The Odoo company (res_company.id).
-- column customer_id: The commercial partner (res_partner.id).
-- column customer_name: The commercial partner's name.
-- column orders: Confirmed orders.
-- column first_order: Date of the first confirmed order (UTC).
-- column last_order: Date of the latest confirmed order (UTC).
-- column lifetime_revenue: Sum of the confirmed orders' untaxed totals, in the company's currency (ordered, whether invoiced or credited later).
-- column avg_order_value: lifetime_revenue / orders.
-- column customer_days: Days between first and last order.
-- column net_invoiced: Untaxed amount of the customer's posted invoices and sales receipts less its posted credit notes, in the company's currency.
WITH invoiced AS (
    SELECT
        am.company_id,
        COALESCE(am.commercial_partner_id, partner.commercial_partner_id, am.partner_id)
            AS customer_id,
        sum(am.amount_untaxed_signed) AS net_invoiced
    FROM public.account_move am
    LEFT JOIN public.res_partner partner ON partner.id = am.partner_id
    WHERE am.move_type IN ('out_invoice', 'out_receipt', 'out_refund') AND am.state = 'posted'
      AND am.company_id IS NOT NULL
    GROUP BY 1, 2
), ordered AS (
    SELECT
        so.company_id,
        customer.id AS customer_id,
        customer.name AS customer_name,
        count(*) AS orders,
        min(so.date_order)::date AS first_order,
        max(so.date_order)::date AS last_order,
        sum(so.amount_untaxed / COALESCE(NULLIF(so.currency_rate, 0), 1)) AS revenue
    FROM public.sale_order so
    JOIN public.res_partner partner ON partner.id = so.partner_id
    JOIN public.res_partner customer
        ON customer.id = COALESCE(partner.commercial_partner_id, partner.id)
    WHERE so.state IN ('sale', 'done') AND so.company_id IS NOT NULL AND so.date_order IS NOT NULL
    GROUP BY so.company_id, customer.id, customer.name
)
SELECT
    o.company_id,
    o.customer_id,
    o.customer_name,
    o.orders,
    o.first_order,
    o.last_order,
    round(o.revenue, 2) AS lifetime_revenue,
    round(o.revenue / o.orders, 2) AS avg_order_value,
    o.last_order - o.first_order AS customer_days,
    COALESCE(i.net_invoiced, 0) AS net_invoiced
FROM ordered o
LEFT JOIN invoiced i ON i.company_id = o.company_id AND i.customer_id = o.customer_id
