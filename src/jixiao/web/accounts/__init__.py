"""Units, accounts and roles: sign-in (throttled), the admin pages for units and accounts."""
