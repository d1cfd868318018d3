-- name: vw_stock_level
-- version: 1
-- modules: stock
-- requires: stock_quant(product_id, company_id, location_id, quantity, reserved_quantity), stock_location(id, usage, warehouse_id), stock_warehouse(id, name), product_product(id, product_tmpl_id), product_template(id, name)
-- key: company_id, warehouse_id, product_id
-- doc: Stock on hand per company, warehouse and product, from the quants in internal locations (quantities in the product's unit of measure).
-- column company_id: The Odoo company (res_company.id).
-- column warehouse_id: The warehouse of the locations (stock_warehouse.id); empty for internal locations outside any warehouse.
-- column warehouse_name: The warehouse's name.
-- column product_id: The product variant (product_product.id).
-- column product_name: The product's name (en_US).
-- column on_hand: Quantity on hand.
-- column reserved: Quantity reserved for transfers.
-- column available: on_hand - reserved.
SELECT
    sq.company_id,
    sl.warehouse_id,
    sw.name AS warehouse_name,
    sq.product_id,
    {schema}.odoo_label(pt.name) AS product_name,
    sum(sq.quantity) AS on_hand,
    sum(COALESCE(sq.reserved_quantity, 0)) AS reserved,
    sum(sq.quantity) - sum(COALESCE(sq.reserved_quantity, 0)) AS available
FROM public.stock_quant sq
JOIN public.stock_location sl ON sl.id = sq.location_id
LEFT JOIN public.stock_warehouse sw ON sw.id = sl.warehouse_id
JOIN public.product_product pp ON pp.id = sq.product_id
JOIN public.product_template pt ON pt.id = pp.product_tmpl_id
WHERE sl.usage = 'internal' AND sq.company_id IS NOT NULL
GROUP BY sq.company_id, sl.warehouse_id, sw.name, sq.product_id, pt.name
