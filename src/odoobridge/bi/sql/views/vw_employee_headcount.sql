-- name: vw_employee_headcount
-- version: 1
-- modules: hr
-- requires: hr_employee(id, company_id, department_id, user_id, active), hr_department(id, name)
-- key: company_id, department_id
-- doc: Active employees per company and department.
-- column company_id: The Odoo company (res_company.id).
-- column department_id: The department (hr_department.id); empty for employees without one.
-- column department_name: The department's name, or "No department".
-- column headcount: Active employees.
-- column with_user: Active employees linked to an Odoo user account.
SELECT
    e.company_id,
    e.department_id,
    COALESCE({schema}.odoo_label(d.name), 'No department') AS department_name,
    count(*) AS headcount,
    count(*) FILTER (WHERE e.user_id IS NOT NULL) AS with_user
FROM public.hr_employee e
LEFT JOIN public.hr_department d ON d.id = e.department_id
WHERE e.active AND e.company_id IS NOT NULL
GROUP BY e.company_id, e.department_id, d.name
