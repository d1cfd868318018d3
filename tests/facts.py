"""Ground truth of the real Odoo fixtures (../shared/odoo-fixtures/README.md and the SQL files),
as the tests assert it."""

COUNTS = {
    16: {
        "companies": 2, "categories": 76, "groups": 67, "users": 7, "logins": 0,
        "user_companies": 10, "memberships": 115, "implications": 34, "acls": 781,
        "rules": 190, "rule_groups": 118, "employees": 20,
    },
    18: {
        "companies": 2, "categories": 86, "groups": 68, "users": 7, "logins": 1,
        "user_companies": 10, "memberships": 100, "implications": 32, "acls": 847,
        "rules": 235, "rule_groups": 160, "employees": 20, "xml_ids": 1236,
    },
    19: {
        "companies": 2, "categories": 84, "privileges": 7, "groups": 45, "users": 6,
        "logins": 0, "user_companies": 9, "memberships": 26, "implications": 31, "acls": 548,
        "rules": 149, "rule_groups": 116,
    },
}  # fmt: skip

# The admin's stored memberships (res_groups_users_rel rows with uid 2).
ADMIN_GROUPS = {16: 28, 18: 28, 19: 6}

# The ACL row granting crm.lead to "User: Own Documents Only" (read, write, create; no unlink).
CRM_LEAD_USER_ACL = {16: (513, 23), 18: (520, 21), 19: (372, 22)}

# Record rule "Personal Leads" on crm.lead.
PERSONAL_LEADS_RULE = {16: 108, 18: 120, 19: 91}
PERSONAL_LEADS_DOMAIN = "['|',('user_id','=',user.id),('user_id','=',False)]"

INTERNAL_USER_NAME = {16: "Internal User", 18: "Internal User", 19: "Role / User"}

# ir_model's label of crm.lead.
CRM_LEAD_LABEL = {16: "Lead/Opportunity", 18: "Lead/Opportunity", 19: "Lead"}
