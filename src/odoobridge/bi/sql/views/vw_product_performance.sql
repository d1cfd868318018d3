-- name: vw_product_performance
-- version: 2
-- modules: sale
-- requires: sale_order(id, company_id, state, date_order, currency_rate), sale_order_line(order_id, product_id, product_uom, product_uom_qty, price_subtotal, display_type), product_product(id, product_tmpl_id), product_template(id, name, uom_id, categ_id), uom_uom(id, factor)
-- key: company_id, month, product_id
-- doc: Products sold on confirmed orders per company and month: orders, quantity in the product's unit of measure, untaxed revenue in the company's currency. Orders, not invoices: a later credit note does not lower them (invoiced revenue net of credit notes is in vw_monthly_revenue).
-- column company_id: The Odoo company (res_company.id).
-- column month: First day of the order month (UTC).
-- column product_id: The product variant (product_product.id).
-- column product_name: The product's name (en_US).
-- column category_id: The product category (product_category.id).
-- column orders: Confirmed orders with this product that month.
-- column quantity: Quantity ordered, converted to the product's unit of measure.
-- column revenue_untaxed: Sum of the lines' untaxed subtotals, in the company's currency.
SELECT
    so.company_id,
    date_trunc('month', so.date_order)::date AS month,
    sol.product_id,
    {schema}.odoo_label(pt.name) AS product_name,
    pt.categ_id AS category_id,
    count(DISTINCT so.id) AS orders,
    round(sum(sol.product_uom_qty / line_uom.factor * product_uom.factor), 3) AS quantity,
    round(sum(sol.price_subtotal / COALESCE(NULLIF(so.currency_rate, 0), 1)), 2) AS revenue_untaxed
FROM public.sale_order_line sol
JOIN public.sale_order so ON so.id = sol.order_id
JOIN public.product_product pp ON pp.id = sol.product_id
JOIN public.product_template pt ON pt.id = pp.product_tmpl_id
JOIN public.uom_uom line_uom ON line_uom.id = sol.product_uom
JOIN public.uom_uom product_uom ON product_uom.id = pt.uom_id
WHERE so.state IN ('sale', 'done') AND sol.display_type IS NULL
  AND so.company_id IS NOT NULL AND so.date_order IS NOT NULL
GROUP BY so.company_id, date_trunc('month', so.date_order), sol.product_id, pt.name, pt.categ_id
