"""Billing's Excel financial reports: the daily financial report and the monthly revenue report.

`service.generate_financial_report` builds one (openpyxl write-only, figures from
billing.selectors), keeps it as a FinancialReport and e-mails it to the tenant's finance users;
`tasks` holds the scheduled entry points.
"""
