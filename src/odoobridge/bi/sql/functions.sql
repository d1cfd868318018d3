-- name: odoo_label
-- version: 1
-- doc: The display text of an Odoo name: translated names (jsonb, Odoo 16+) give their en_US text, falling back to any language; plain text names pass through.
CREATE OR REPLACE FUNCTION {schema}.odoo_label(value jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE jsonb_typeof(value)
        WHEN 'object' THEN COALESCE(
            value ->> 'en_US',
            (SELECT min(t.label) FROM jsonb_each_text(value) AS t(lang, label)))
        ELSE value #>> '{}'
    END
$$;
CREATE OR REPLACE FUNCTION {schema}.odoo_label(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT value $$;
