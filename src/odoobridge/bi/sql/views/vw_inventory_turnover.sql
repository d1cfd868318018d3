-- name: vw_inventory_turnover
-- version: 1
-- modules: stock, sale
-- requires: stock_quant(product_id, company_id, location_id, quantity), stock_location(id, usage), sale_order(id, company_id, state, date_order), sale_order_line(order_id, product_id, product_uom, qty_delivered, display_type), product_product(id, product_tmpl_id), product_template(id, name, uom_id), uom_uom(id, factor)
-- key: company_id, product_id
-- doc: Inventory turnover per company and product over the trailing 365 days, in units: quantity delivered on confirmed sales orders dated in the period, against the quantity on hand in internal locations now. Products with stock in internal locations only.
-- column company_id: The Odoo company (res_company.id).
-- column product_id: The product variant (product_product.id).
-- column product_name: The product's name (en_US).
-- column on_hand: Quantity on hand in internal locations (product's unit of measure).
-- column delivered_365d: Quantity delivered on confirmed orders of the last 365 days (product's unit of measure).
-- column turnover: delivered_365d / on_hand (empty when nothing is on hand).
-- column days_of_cover: Days the stock on hand lasts at the delivery rate of the period (empty when nothing was delivered).
WITH on_hand AS (
    SELECT sq.company_id, sq.product_id, sum(sq.quantity) AS on_hand
    FROM public.stock_quant sq
    JOIN public.stock_location sl ON sl.id = sq.location_id
    WHERE sl.usage = 'internal' AND sq.company_id IS NOT NULL
    GROUP BY sq.company_id, sq.product_id
), delivered AS (
    SELECT
        so.company_id,
        sol.product_id,
        sum(sol.qty_delivered / line_uom.factor * product_uom.factor) AS delivered
    FROM public.sale_order_line sol
    JOIN public.sale_order so ON so.id = sol.order_id
    JOIN public.product_product pp ON pp.id = sol.product_id
    JOIN public.product_template pt ON pt.id = pp.product_tmpl_id
    JOIN public.uom_uom line_uom ON line_uom.id = sol.product_uom
    JOIN public.uom_uom product_uom ON product_uom.id = pt.uom_id
    WHERE so.state IN ('sale', 'done') AND sol.display_type IS NULL
      AND so.date_order >= current_date - 365
    GROUP BY so.company_id, sol.product_id
)
SELECT
    oh.company_id,
    oh.product_id,
    {schema}.odoo_label(pt.name) AS product_name,
    oh.on_hand,
    round(COALESCE(d.delivered, 0), 3) AS delivered_365d,
    round(COALESCE(d.delivered, 0) / NULLIF(oh.on_hand, 0), 2) AS turnover,
    round(oh.on_hand * 365 / NULLIF(d.delivered, 0), 1) AS days_of_cover
FROM on_hand oh
JOIN public.product_product pp ON pp.id = oh.product_id
JOIN public.product_template pt ON pt.id = pp.product_tmpl_id
LEFT JOIN delivered d ON d.company_id = oh.company_id AND d.product_id = oh.product_id
